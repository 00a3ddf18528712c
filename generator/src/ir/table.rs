//! Tables indexed by typed ids, so a type's id cannot index the modules (or a module's id the
//! types) by mistake.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

/// An index into one kind of [`Table`].
pub trait Id: Copy {
    /// The id of the `index`th entry.
    fn from_index(index: usize) -> Self;
    /// The position of the entry.
    fn index(self) -> usize;
}

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(usize);

        impl Id for $name {
            fn from_index(index: usize) -> Self {
                $name(index)
            }

            fn index(self) -> usize {
                self.0
            }
        }
    };
}

id! {
    /// A named type: an index into [`super::Api::types`].
    TypeId
}

id! {
    /// A spec module: an index into [`super::Api::modules`].
    ModuleId
}

/// A `Vec` whose entries are reached by an id `I` instead of a `usize`.
pub struct Table<I, T> {
    items: Vec<T>,
    id: PhantomData<fn() -> I>,
}

impl<I: Id, T> Table<I, T> {
    /// An empty table.
    pub fn new() -> Self {
        Table {
            items: Vec::new(),
            id: PhantomData,
        }
    }

    /// Adds an entry; its id.
    pub fn push(&mut self, item: T) -> I {
        let id = self.next_id();
        self.items.push(item);
        id
    }

    /// The id the next [`Table::push`] returns (for entries that refer to themselves).
    pub fn next_id(&self) -> I {
        I::from_index(self.items.len())
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True without entries.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The entry `id`, if the table has it.
    pub fn get(&self, id: I) -> Option<&T> {
        self.items.get(id.index())
    }

    /// The entries, in id order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// The entries, mutably, in id order.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.items.iter_mut()
    }

    /// Every id, in order.
    pub fn ids(&self) -> impl DoubleEndedIterator<Item = I> + ExactSizeIterator + use<I, T> {
        (0..self.items.len()).map(I::from_index)
    }

    /// Every entry with its id, in order.
    pub fn enumerate(&self) -> impl DoubleEndedIterator<Item = (I, &T)> + ExactSizeIterator {
        self.items
            .iter()
            .enumerate()
            .map(|(index, item)| (I::from_index(index), item))
    }

    /// The id of the first entry `wanted` accepts.
    pub fn position(&self, wanted: impl FnMut(&T) -> bool) -> Option<I> {
        self.items.iter().position(wanted).map(I::from_index)
    }

    /// Keeps the entries `keep` accepts, in order, so ids shift; for each old id, its new one
    /// (`None` for entries dropped).
    pub fn retain(&mut self, mut keep: impl FnMut(I, &T) -> bool) -> Table<I, Option<I>> {
        let mut kept = Table::new();
        let mut new_ids = Table::new();
        for (index, item) in std::mem::take(&mut self.items).into_iter().enumerate() {
            new_ids.push(keep(I::from_index(index), &item).then(|| kept.push(item)));
        }
        *self = kept;
        new_ids
    }

    /// A table with an entry for each entry of this one (a fact per type, say).
    pub fn map<U>(&self, mut f: impl FnMut(I, &T) -> U) -> Table<I, U> {
        self.enumerate().map(|(id, item)| f(id, item)).collect()
    }
}

impl<I: Id, T> Default for Table<I, T> {
    fn default() -> Self {
        Table::new()
    }
}

impl<I, T: Clone> Clone for Table<I, T> {
    fn clone(&self) -> Self {
        Table {
            items: self.items.clone(),
            id: PhantomData,
        }
    }
}

impl<I, T: PartialEq> PartialEq for Table<I, T> {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

impl<I, T: fmt::Debug> fmt::Debug for Table<I, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.items.fmt(f)
    }
}

impl<I: Id, T> Index<I> for Table<I, T> {
    type Output = T;

    fn index(&self, id: I) -> &T {
        &self.items[id.index()]
    }
}

impl<I: Id, T> IndexMut<I> for Table<I, T> {
    fn index_mut(&mut self, id: I) -> &mut T {
        &mut self.items[id.index()]
    }
}

impl<I, T> FromIterator<T> for Table<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(items: It) -> Self {
        Table {
            items: items.into_iter().collect(),
            id: PhantomData,
        }
    }
}

impl<I, T> IntoIterator for Table<I, T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, I, T> IntoIterator for &'a Table<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<'a, I, T> IntoIterator for &'a mut Table<I, T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter_mut()
    }
}
