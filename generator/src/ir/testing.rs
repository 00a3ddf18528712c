//! Small IRs by hand for unit tests.

use super::{
    Api, Body, Field, Id, Module, ModuleId, Operation, Origin, Response, Shape, TypeDef, TypeId,
    TypeKind, TypeRef,
};

/// The `index`th type.
pub fn t(index: usize) -> TypeId {
    TypeId::from_index(index)
}

/// A use of the `index`th type.
pub fn named(index: usize) -> TypeRef {
    TypeRef::plain(Shape::Named(t(index)))
}

/// An array of `item`.
pub fn array(item: TypeRef) -> TypeRef {
    TypeRef::plain(Shape::Array(Box::new(item)))
}

/// Somewhere in a file `f`.
pub fn origin(pointer: &str) -> Origin {
    Origin {
        file: "f".into(),
        pointer: pointer.into(),
    }
}

/// A required member.
pub fn field(name: &str, ty: TypeRef) -> Field {
    Field {
        name: name.into(),
        docs: Default::default(),
        ty,
        required: true,
        origin: origin(""),
    }
}

/// `POST /<id>` with `request` as its body and `response` as its `200` body.
pub fn operation(id: &str, request: TypeRef, response: TypeRef) -> Operation {
    let body = |ty| Body {
        required: true,
        media_type: "application/json".into(),
        ty,
    };
    Operation {
        id: id.into(),
        method: "POST".into(),
        path: format!("/{id}"),
        summary: None,
        description: None,
        deprecated: false,
        parameters: Vec::new(),
        request: Some(body(request)),
        responses: vec![Response {
            status: "200".into(),
            description: None,
            headers: Vec::new(),
            body: Some(body(response)),
        }],
        security: Vec::new(),
        origin: origin(""),
    }
}

/// An IR of version `v` with a module per name (spec `spec_<name>`) and the types given as
/// (name, index of its module, kind).
pub fn api(modules: &[&str], types: Vec<(&str, usize, TypeKind)>) -> Api {
    Api {
        version: "v".into(),
        modules: modules
            .iter()
            .map(|name| Module {
                name: name.to_string(),
                spec: format!("spec_{name}"),
                title: None,
                description: None,
                files: Vec::new(),
                operations: Vec::new(),
                methods: Vec::new(),
            })
            .collect(),
        types: types
            .into_iter()
            .map(|(name, module, kind)| TypeDef {
                name: name.into(),
                module: ModuleId::from_index(module),
                origin: origin(&format!("/$defs/{name}")),
                aliases: Vec::new(),
                docs: Default::default(),
                kind,
                nullable: false,
            })
            .collect(),
        examples: Vec::new(),
        diagnostics: Vec::new(),
    }
}
