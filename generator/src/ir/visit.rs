//! The one walk over type references: which type uses a kind or an operation holds, and which
//! named types they lead to. Everything that asks "what does this refer to" (module selection,
//! boxing of recursive types, `$defs` of a JSON Schema document, the diff's usages) goes through
//! here, so a new place that holds a [`TypeRef`] is added once.

use std::collections::HashSet;

use super::{Additional, Api, Field, Operation, RpcMethod, Shape, TypeId, TypeKind, TypeRef};

impl TypeRef {
    /// The named type this use is a value of (not of its array items or map values).
    pub fn named(&self) -> Option<TypeId> {
        match self.shape {
            Shape::Named(id) => Some(id),
            _ => None,
        }
    }

    /// The named type this use leads to: itself, or the type of its array items or map values
    /// (at any depth). A use leads to at most one named type.
    pub fn refers_to(&self) -> Option<TypeId> {
        match &self.shape {
            Shape::Named(id) => Some(*id),
            Shape::Array(item) | Shape::Map(item) => item.refers_to(),
            _ => None,
        }
    }

    /// [`TypeRef::refers_to`], to rewrite the id.
    pub fn refers_to_mut(&mut self) -> Option<&mut TypeId> {
        match &mut self.shape {
            Shape::Named(id) => Some(id),
            Shape::Array(item) | Shape::Map(item) => item.refers_to_mut(),
            _ => None,
        }
    }
}

/// The places of a kind that refer to other types, by how they are held.
struct Parts<F, R, V> {
    /// Struct members.
    fields: F,
    /// The type of a struct's undeclared members (held in a map).
    additional: Option<R>,
    /// Untagged variants.
    variants: V,
    /// A newtype's inner type.
    inner: Option<R>,
}

impl TypeKind {
    fn parts(&self) -> Parts<&[Field], &TypeRef, &[TypeRef]> {
        let mut parts: Parts<&[Field], &TypeRef, &[TypeRef]> = Parts {
            fields: &[][..],
            additional: None,
            variants: &[][..],
            inner: None,
        };
        match self {
            TypeKind::Struct(s) => {
                parts.fields = &s.fields;
                if let Additional::Typed(ty) = &s.additional {
                    parts.additional = Some(ty);
                }
            }
            TypeKind::Untagged(variants) => parts.variants = variants,
            TypeKind::Newtype(inner) => parts.inner = Some(inner),
            TypeKind::Enum(_) | TypeKind::Const(_) | TypeKind::TaggedUnion(_) => {}
        }
        parts
    }

    fn parts_mut(&mut self) -> Parts<&mut [Field], &mut TypeRef, &mut [TypeRef]> {
        let mut parts: Parts<&mut [Field], &mut TypeRef, &mut [TypeRef]> = Parts {
            fields: &mut [][..],
            additional: None,
            variants: &mut [][..],
            inner: None,
        };
        match self {
            TypeKind::Struct(s) => {
                parts.fields = &mut s.fields;
                if let Additional::Typed(ty) = &mut s.additional {
                    parts.additional = Some(ty);
                }
            }
            TypeKind::Untagged(variants) => parts.variants = variants,
            TypeKind::Newtype(inner) => parts.inner = Some(inner),
            TypeKind::Enum(_) | TypeKind::Const(_) | TypeKind::TaggedUnion(_) => {}
        }
        parts
    }

    /// The type uses the kind holds, in spec order: a struct's members and then the type of its
    /// undeclared members, an untagged union's variants, a newtype's inner type. A tagged
    /// union's variants are named types, not uses: see [`TypeKind::tagged_variants`].
    pub fn refs(&self) -> impl Iterator<Item = &TypeRef> {
        let parts = self.parts();
        let fields = parts.fields.iter().map(|f| &f.ty);
        fields
            .chain(parts.additional)
            .chain(parts.variants)
            .chain(parts.inner)
    }

    /// [`TypeKind::refs`], mutably.
    pub fn refs_mut(&mut self) -> impl Iterator<Item = &mut TypeRef> {
        let parts = self.parts_mut();
        let fields = parts.fields.iter_mut().map(|f| &mut f.ty);
        fields
            .chain(parts.additional)
            .chain(parts.variants)
            .chain(parts.inner)
    }

    /// The variant types of a tagged union (nothing for other kinds).
    pub fn tagged_variants(&self) -> impl Iterator<Item = TypeId> + '_ {
        let variants = match self {
            TypeKind::TaggedUnion(union) => union.variants.as_slice(),
            _ => &[],
        };
        variants.iter().map(|(_, id)| *id)
    }

    /// Every named type a value of the kind refers to, in spec order: through its
    /// [`TypeKind::refs`] (array items and map values included), then tagged variants.
    pub fn refers_to(&self) -> impl Iterator<Item = TypeId> + '_ {
        self.refs()
            .filter_map(TypeRef::refers_to)
            .chain(self.tagged_variants())
    }

    /// [`TypeKind::refers_to`], to rewrite the ids.
    pub fn refers_to_mut(&mut self) -> impl Iterator<Item = &mut TypeId> {
        // Only a tagged union has variant ids, and it has no type uses.
        let (variants, other) = match self {
            TypeKind::TaggedUnion(union) => (union.variants.as_mut_slice(), None),
            other => (&mut [][..], Some(other)),
        };
        other
            .into_iter()
            .flat_map(|kind| kind.refs_mut().filter_map(TypeRef::refers_to_mut))
            .chain(variants.iter_mut().map(|(_, id)| id))
    }

    /// The named types a value of the kind holds in place: members, untagged variants and the
    /// inner type that are named types themselves, and tagged variants. Not array items or map
    /// values (undeclared members included), which live in allocations of their own; so a type
    /// reaching itself through these needs a `Box`.
    pub fn holds_inline(&self) -> impl Iterator<Item = TypeId> + '_ {
        let parts = self.parts();
        let fields = parts.fields.iter().map(|f| &f.ty);
        fields
            .chain(parts.variants)
            .chain(parts.inner)
            .filter_map(TypeRef::named)
            .chain(self.tagged_variants())
    }
}

impl Operation {
    /// The type uses of the operation, in spec order: [`Operation::input_refs`], then
    /// [`Operation::output_refs`].
    pub fn refs(&self) -> impl Iterator<Item = &TypeRef> {
        self.input_refs().chain(self.output_refs())
    }

    /// What a client sends: the parameters, then the request body.
    pub fn input_refs(&self) -> impl Iterator<Item = &TypeRef> {
        let parameters = self.parameters.iter().map(|p| &p.ty);
        parameters.chain(self.request.iter().map(|b| &b.ty))
    }

    /// What a server answers: each response's headers, then its body.
    pub fn output_refs(&self) -> impl Iterator<Item = &TypeRef> {
        self.responses.iter().flat_map(|response| {
            let headers = response.headers.iter().map(|h| &h.ty);
            headers.chain(response.body.iter().map(|b| &b.ty))
        })
    }

    /// [`Operation::refs`], mutably.
    pub fn refs_mut(&mut self) -> impl Iterator<Item = &mut TypeRef> {
        let responses = self.responses.iter_mut().flat_map(|response| {
            let headers = response.headers.iter_mut().map(|h| &mut h.ty);
            headers.chain(response.body.iter_mut().map(|b| &mut b.ty))
        });
        self.parameters
            .iter_mut()
            .map(|p| &mut p.ty)
            .chain(self.request.iter_mut().map(|b| &mut b.ty))
            .chain(responses)
    }
}

impl RpcMethod {
    /// The type uses of the method: its params, then its result.
    pub fn refs(&self) -> impl Iterator<Item = &TypeRef> {
        self.params.iter().chain(&self.result).map(|p| &p.ty)
    }

    /// [`RpcMethod::refs`], mutably.
    pub fn refs_mut(&mut self) -> impl Iterator<Item = &mut TypeRef> {
        self.params
            .iter_mut()
            .chain(&mut self.result)
            .map(|p| &mut p.ty)
    }
}

impl Api {
    /// The named types reachable from `roots` (the roots included), each once, in the order
    /// a depth-first walk in spec order meets them.
    pub fn reachable(&self, roots: impl IntoIterator<Item = TypeId>) -> Vec<TypeId> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut stack: Vec<TypeId> = roots.into_iter().collect();
        stack.reverse();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            out.push(id);
            let next: Vec<TypeId> = self.types[id].kind.refers_to().collect();
            stack.extend(next.into_iter().rev());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{api, array, field, named, t};
    use super::super::{Id, Struct, TaggedUnion};
    use super::*;

    /// `{ a: T1, b: [T2], c: string }` with undeclared members of type `T3`.
    fn structure() -> TypeKind {
        TypeKind::Struct(Struct {
            fields: vec![
                field("a", named(1)),
                field("b", array(named(2))),
                field("c", TypeRef::plain(Shape::String)),
            ],
            additional: Additional::Typed(Box::new(named(3))),
            ..Struct::default()
        })
    }

    #[test]
    fn uses_lead_to_one_named_type_through_arrays_and_maps() {
        let map_of_arrays = TypeRef::plain(Shape::Map(Box::new(array(named(4)))));
        assert_eq!(map_of_arrays.refers_to(), Some(t(4)));
        assert_eq!(map_of_arrays.named(), None);
        assert_eq!(named(4).named(), Some(t(4)));
        assert_eq!(TypeRef::plain(Shape::Any).refers_to(), None);
    }

    #[test]
    fn kinds_list_their_references_in_spec_order() {
        let kind = structure();
        assert_eq!(kind.refs().count(), 4);
        assert_eq!(kind.refers_to().collect::<Vec<_>>(), [t(1), t(2), t(3)]);
        // Array items and undeclared members live in allocations of their own.
        assert_eq!(kind.holds_inline().collect::<Vec<_>>(), [t(1)]);
        let union = TypeKind::TaggedUnion(TaggedUnion {
            tag: "type".into(),
            variants: vec![("a".into(), t(5)), ("b".into(), t(6))],
        });
        assert_eq!(union.refs().count(), 0);
        assert_eq!(union.refers_to().collect::<Vec<_>>(), [t(5), t(6)]);
        assert_eq!(union.holds_inline().collect::<Vec<_>>(), [t(5), t(6)]);
        let untagged = TypeKind::Untagged(vec![array(named(7)), named(8)]);
        assert_eq!(untagged.refers_to().collect::<Vec<_>>(), [t(7), t(8)]);
        assert_eq!(untagged.holds_inline().collect::<Vec<_>>(), [t(8)]);
    }

    #[test]
    fn ids_are_rewritten_in_place() {
        let mut kind = structure();
        for id in kind.refers_to_mut() {
            *id = t(id.index() * 10);
        }
        assert_eq!(kind.refers_to().collect::<Vec<_>>(), [t(10), t(20), t(30)]);
        let mut union = TypeKind::TaggedUnion(TaggedUnion {
            tag: "type".into(),
            variants: vec![("a".into(), t(5))],
        });
        union.refers_to_mut().for_each(|id| *id = t(0));
        assert_eq!(union.refers_to().collect::<Vec<_>>(), [t(0)]);
    }

    #[test]
    fn reachable_walks_depth_first_in_spec_order_once_each() {
        let leaf = || TypeKind::Enum(Vec::new());
        let api = api(
            &["m"],
            vec![
                // 0 refers to itself, then 1 and 2 (through 1 too): each is met once.
                (
                    "Zero",
                    0,
                    TypeKind::Untagged(vec![named(0), named(1), named(2)]),
                ),
                ("One", 0, TypeKind::Newtype(array(named(2)))),
                ("Two", 0, leaf()),
                ("Unused", 0, leaf()),
            ],
        );
        assert_eq!(api.reachable([t(0)]), [t(0), t(1), t(2)]);
        assert_eq!(api.reachable([t(3), t(1)]), [t(3), t(1), t(2)]);
    }
}
