//! What the emitters share, and the only thing they import besides the IR and naming: the IR
//! and options; facts about each type found once (whether its values have checks to run, whether
//! they hold text a borrowed view can point to, which types they hold in place); the Rust type of
//! an IR use as written in each place; the check tokens; the struct code owned types and views
//! both use; ident and doc helpers; and the [`Emitter`] trait with the output it fills.

mod checks;
mod docs;
mod structs;

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::quote;

pub(crate) use docs::{doc_attrs, field_doc, ident, markdown_safe, type_doc, unique_field_name};

use super::EmitOptions;
use crate::ir::{Api, ModuleId, Shape, Table, TypeId, TypeKind, TypeRef};

/// One kind of output (owned types, views, scanners, server stubs, ...). For each spec module
/// the orchestrator asks every enabled emitter, in a fixed order, for the items of each of the
/// module's types (so the items of one type stay together), then for the module's own items;
/// then, once, for the items at the version root.
pub(crate) trait Emitter {
    /// Adds the items of the named type `id` to its module.
    fn type_items(&self, _ctx: &Context, _id: TypeId, _out: &mut ModuleOutput) {}

    /// Adds items about the whole module, after its types' items.
    fn module_items(&self, _ctx: &Context, _module: ModuleId, _out: &mut ModuleOutput) {}

    /// Adds items to the version root, after the modules.
    fn root_items(&self, _ctx: &Context, _out: &mut Vec<TokenStream>) {}
}

/// The items of one `pub mod <spec>`, in the order emitters add them.
#[derive(Default)]
pub(crate) struct ModuleOutput {
    /// The items.
    pub items: Vec<TokenStream>,
}

/// Where generated code is written, which decides how it names a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// In `pub mod <spec>`: owned types.
    Module(ModuleId),
    /// In `<spec>::borrowed`: views of the structs that hold text, owned types for the rest.
    Views(ModuleId),
    /// At the version root, above the spec modules (the registries).
    Root,
}

/// The IR being emitted, with what is known about its types.
pub(crate) struct Context<'a> {
    /// The IR.
    pub api: &'a Api,
    /// The options it is emitted with.
    pub options: EmitOptions,
    /// The types a value of each type holds in place (not behind `Vec`/map), for boxing.
    direct: Table<TypeId, HashSet<TypeId>>,
    /// Types whose values have constraints to check (directly or inside); others get a no-op
    /// `Validate` impl and are not visited.
    checked: Table<TypeId, bool>,
    /// Types whose values hold text a borrowed view can point to: structs get a view, aliases
    /// are written out in views.
    borrows: Table<TypeId, bool>,
    /// Every schema the registries answer for (`file#pointer`) and the type of its values: each
    /// type's schema and aliases, then each example's schema, first one wins.
    pub schemas: Vec<(String, TypeRef)>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(api: &'a Api, options: EmitOptions) -> Self {
        let direct = api.types.map(|_, def| def.kind.holds_inline().collect());
        let mut ctx = Context {
            api,
            options,
            direct,
            checked: api.types.map(|_, _| false),
            borrows: api.types.map(|_, _| false),
            schemas: schemas(api),
        };
        // A type needs checking (holds text) if anything it holds does.
        ctx.fixpoint(|c| &mut c.checked, Context::type_has_checks);
        ctx.fixpoint(|c| &mut c.borrows, Context::type_borrows);
        ctx
    }

    /// Applies `rule` to every type until nothing changes, starting from "no type" in `slot`
    /// (so recursive types settle).
    fn fixpoint(
        &mut self,
        slot: fn(&mut Self) -> &mut Table<TypeId, bool>,
        rule: fn(&Self, TypeId) -> bool,
    ) {
        loop {
            let next = self.api.types.map(|id, _| rule(self, id));
            if *slot(self) == next {
                break;
            }
            *slot(self) = next;
        }
    }

    fn type_borrows(&self, id: TypeId) -> bool {
        let kind = &self.api.types[id].kind;
        match kind {
            TypeKind::Struct(_) => kind.refs().any(|ty| self.ref_borrows(ty)),
            TypeKind::Newtype(inner) => self.is_alias(id) && self.ref_borrows(inner),
            // Unions and enums are used as they are (owned) inside views.
            TypeKind::Untagged(_)
            | TypeKind::TaggedUnion(_)
            | TypeKind::Enum(_)
            | TypeKind::Const(_) => false,
        }
    }

    /// Whether values of the named type `id` hold text a view can point to (a struct that does
    /// has a view).
    pub(crate) fn borrows(&self, id: TypeId) -> bool {
        self.borrows[id]
    }

    /// Whether values of `ty` hold text a view can point to.
    pub(crate) fn ref_borrows(&self, ty: &TypeRef) -> bool {
        match &ty.shape {
            Shape::String => true,
            Shape::Array(item) | Shape::Map(item) => self.ref_borrows(item),
            Shape::Named(id) => self.borrows[*id],
            _ => false,
        }
    }

    fn type_has_checks(&self, id: TypeId) -> bool {
        let kind = &self.api.types[id].kind;
        let own = match kind {
            TypeKind::Struct(s) => {
                !s.conditions.is_empty()
                    || !s.alternatives.is_empty()
                    || s.property_count != (None, None)
            }
            _ => false,
        };
        own || kind.refs().any(|ty| self.ref_has_checks(ty))
            || kind.tagged_variants().any(|variant| self.checked[variant])
    }

    fn ref_has_checks(&self, ty: &TypeRef) -> bool {
        let own = match &ty.shape {
            // A date-time's text is validated when it is parsed.
            Shape::String => {
                ty.rules.min_length.is_some()
                    || ty.rules.max_length.is_some()
                    || ty.rules.pattern.is_some()
                    || ty.rules.format.is_some()
            }
            Shape::DateTime => {
                ty.rules.min_length.is_some()
                    || ty.rules.max_length.is_some()
                    || ty.rules.pattern.is_some()
            }
            Shape::Integer | Shape::Number => {
                let r = &ty.rules;
                r.minimum.is_some()
                    || r.maximum.is_some()
                    || r.exclusive_minimum.is_some()
                    || r.exclusive_maximum.is_some()
                    || r.multiple_of.is_some()
            }
            Shape::Array(item) => {
                ty.rules.min_items.is_some()
                    || ty.rules.max_items.is_some()
                    || ty.rules.unique_items
                    || self.ref_has_checks(item)
            }
            Shape::Map(item) => self.ref_has_checks(item),
            Shape::Named(id) => self.checked[*id],
            Shape::Any | Shape::Null | Shape::Boolean | Shape::Object => false,
        };
        own || ty.rules.allowed.is_some()
    }

    /// Whether `from` is reachable from `to` through direct containment (so `to` inside
    /// `from` needs a `Box`).
    pub(crate) fn is_recursive(&self, from: TypeId, to: TypeId) -> bool {
        let mut stack = vec![to];
        let mut seen = HashSet::new();
        while let Some(current) = stack.pop() {
            if current == from {
                return true;
            }
            if seen.insert(current) {
                stack.extend(self.direct[current].iter().copied());
            }
        }
        false
    }

    /// Whether the named type `id` is emitted as a type alias (a newtype with nothing of its own
    /// to check), which cannot have trait impls of its own.
    pub(crate) fn is_alias(&self, id: TypeId) -> bool {
        match &self.api.types[id].kind {
            TypeKind::Newtype(inner) => {
                self.checks(inner, quote!(value)).is_empty()
                    || matches!(inner.shape, Shape::Named(_)) && inner.rules.is_empty()
            }
            _ => false,
        }
    }

    /// The path of the named type `id` from code in `scope`.
    pub(crate) fn path_to(&self, scope: Scope, id: TypeId) -> TokenStream {
        let def = &self.api.types[id];
        let name = ident(&def.name);
        let module = ident(&self.api.modules[def.module].name);
        match scope {
            Scope::Module(from) if def.module == from => quote!(#name),
            Scope::Module(_) => quote!(super::#module::#name),
            // From `<spec>::borrowed`: a view, or the owned type one level up.
            Scope::Views(from) => match (self.borrows[id], def.module == from) {
                (true, true) => quote!(#name<'a>),
                (true, false) => quote!(super::super::#module::borrowed::#name<'a>),
                (false, true) => quote!(super::#name),
                (false, false) => quote!(super::super::#module::#name),
            },
            Scope::Root => quote!(#module::#name),
        }
    }

    /// The Rust type of a value of a shape that holds no other type; `None` for the others.
    fn leaf_type(&self, scope: Scope, shape: &Shape) -> Option<TokenStream> {
        let views = matches!(scope, Scope::Views(_));
        Some(match shape {
            Shape::Any => quote!(serde_json::Value),
            Shape::Null => quote!(()),
            Shape::String if views => quote!(acp_runtime::Str<'a>),
            Shape::String => quote!(String),
            Shape::DateTime => quote!(acp_runtime::DateTime),
            Shape::Integer => quote!(i64),
            // `serde_json::Number` keeps `5` as `5` and `5.0` as `5.0`: no rewrite of the text.
            Shape::Number => quote!(serde_json::Number),
            Shape::Boolean => quote!(bool),
            Shape::Object => quote!(serde_json::Map<String, serde_json::Value>),
            Shape::Array(_) | Shape::Map(_) | Shape::Named(_) => return None,
        })
    }

    /// The Rust type of a value of `ty` in `scope`, ignoring nullability. `owner` is the type
    /// holding it in place, if any (recursive members are boxed).
    pub(crate) fn base_type(
        &self,
        scope: Scope,
        owner: Option<TypeId>,
        ty: &TypeRef,
    ) -> TokenStream {
        if let Some(leaf) = self.leaf_type(scope, &ty.shape) {
            return leaf;
        }
        match &ty.shape {
            Shape::Array(item) => {
                let item = self.element_type(scope, item);
                quote!(Vec<#item>)
            }
            Shape::Map(item) => {
                let item = self.element_type(scope, item);
                quote!(acp_runtime::Map<#item>)
            }
            // Views write aliases out, so that a view of `Vec<String>` borrows its items.
            Shape::Named(id)
                if matches!(scope, Scope::Views(_)) && self.borrows[*id] && self.is_alias(*id) =>
            {
                match &self.api.types[*id].kind {
                    TypeKind::Newtype(inner) => self.element_type(scope, inner),
                    _ => unreachable!("aliases are newtypes"),
                }
            }
            Shape::Named(id) => {
                let path = self.path_to(scope, *id);
                match owner {
                    Some(owner) if self.is_recursive(owner, *id) => quote!(Box<#path>),
                    _ => path,
                }
            }
            _ => unreachable!("leaf shapes are handled above"),
        }
    }

    /// The type of a value of `ty` in `scope` that is not a struct member (an array item, a
    /// map value, a body): nullable values are `Option`.
    pub(crate) fn element_type(&self, scope: Scope, ty: &TypeRef) -> TokenStream {
        let base = self.base_type(scope, None, ty);
        if ty.nullable && ty.shape != Shape::Null {
            quote!(Option<#base>)
        } else {
            base
        }
    }
}

/// See [`Context::schemas`].
fn schemas(api: &Api) -> Vec<(String, TypeRef)> {
    let mut entries: Vec<(String, TypeRef)> = Vec::new();
    let mut seen = HashSet::new();
    for (id, def) in api.types.enumerate() {
        let ty = TypeRef {
            shape: Shape::Named(id),
            nullable: def.nullable,
            rules: Default::default(),
        };
        for origin in std::iter::once(&def.origin).chain(&def.aliases) {
            let key = origin.to_string();
            if seen.insert(key.clone()) {
                entries.push((key, ty.clone()));
            }
        }
    }
    for example in &api.examples {
        let key = example.schema.to_string();
        if seen.insert(key.clone()) {
            entries.push((key, example.ty.clone()));
        }
    }
    entries
}
