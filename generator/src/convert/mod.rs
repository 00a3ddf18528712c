//! Loader output → IR. Schemas become [`TypeDef`]s and [`TypeRef`]s, OpenAPI paths become
//! [`Operation`]s. Findings go to diagnostics; conversion never stops at a bad schema.

mod compare;
mod keys;
mod openapi;
mod openrpc;
mod schema;

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::diagnostics::{Code, Diagnostics, Location};
use crate::ir::{
    Api, Docs, Example, Id, Module, ModuleId, Modules, Origin, TypeDef, TypeId, TypeKind, TypeRef,
    Types,
};
use crate::loader::SpecSet;
use crate::naming;
use crate::source::escape_token;

/// Converts a loaded version into the IR.
pub fn convert(set: &SpecSet) -> Api {
    convert_reading(set, Reading::Merged)
}

/// Which copy defines a schema that an OpenAPI component and a JSON Schema definition both
/// define.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The JSON Schema definition, with members only the OpenAPI copy declares kept (as
    /// optional) and the differences reported: what generation uses.
    Merged,
    /// The OpenAPI component alone.
    Openapi,
    /// The JSON Schema definition alone.
    JsonSchema,
}

/// Converts a loaded version reading mirrored schemas as `reading` says (the single-format
/// readings let a version diff tell which format a change was made in).
pub fn convert_reading(set: &SpecSet, reading: Reading) -> Api {
    let mut converter = Converter::new(set);
    converter.reading = reading;
    converter.run();
    converter.finish()
}

pub(crate) struct Converter<'a> {
    set: &'a SpecSet,
    reading: Reading,
    module_of_file: Vec<ModuleId>,
    modules: Modules,
    types: Types,
    by_origin: HashMap<(usize, String), TypeId>,
    /// OpenAPI component → the JSON Schema definition of the same name and spec.
    aliases: HashMap<(usize, String), (usize, String)>,
    names: HashSet<(ModuleId, String)>,
    in_progress: HashSet<(usize, String)>,
    warned_by_path: HashSet<(usize, usize)>,
    examples: Vec<Example>,
    diags: Diagnostics,
}

impl<'a> Converter<'a> {
    fn new(set: &'a SpecSet) -> Self {
        let mut module_of_file = vec![ModuleId::from_index(0); set.files.len()];
        let mut modules = Modules::new();
        for spec in &set.specs {
            let module = modules.next_id();
            let files: Vec<usize> = spec
                .openapi
                .into_iter()
                .chain(spec.json_schema)
                .chain(spec.openrpc)
                .collect();
            for file in &files {
                module_of_file[*file] = module;
            }
            let info = spec.openapi.and_then(|f| set.files[f].value.get("info"));
            let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
            let info = info.or_else(|| spec.openrpc.and_then(|f| set.files[f].value.get("info")));
            let title = text(info.and_then(|i| i.get("title"))).or_else(|| {
                text(
                    spec.json_schema
                        .and_then(|f| set.files[f].value.get("title")),
                )
            });
            modules.push(Module {
                name: naming::module_name(&spec.name),
                spec: spec.name.clone(),
                title,
                description: text(info.and_then(|i| i.get("description"))),
                files: files.iter().map(|f| set.files[*f].path.clone()).collect(),
                operations: Vec::new(),
                methods: Vec::new(),
            });
        }
        Converter {
            set,
            reading: Reading::Merged,
            module_of_file,
            modules,
            types: Types::new(),
            by_origin: HashMap::new(),
            aliases: HashMap::new(),
            names: HashSet::new(),
            in_progress: HashSet::new(),
            warned_by_path: HashSet::new(),
            examples: Vec::new(),
            diags: set.diagnostics.clone(),
        }
    }

    fn run(&mut self) {
        let set = self.set;
        // Name sharing: an OpenAPI component that mirrors a JSON Schema definition of the same
        // spec is the same type, defined by the JSON Schema bundle (the data-model file).
        for spec in &set.specs {
            let (Some(openapi), Some(json)) = (spec.openapi, spec.json_schema) else {
                continue;
            };
            let defs = set.files[json]
                .value
                .get("$defs")
                .and_then(Value::as_object);
            let components = set.files[openapi]
                .value
                .pointer("/components/schemas")
                .and_then(Value::as_object);
            if let (Some(defs), Some(components)) = (defs, components) {
                for name in components.keys().filter(|n| defs.contains_key(*n)) {
                    let token = escape_token(name);
                    let component = (openapi, format!("/components/schemas/{token}"));
                    let definition = (json, format!("/$defs/{token}"));
                    match self.reading {
                        Reading::Openapi => self.aliases.insert(definition, component),
                        Reading::Merged | Reading::JsonSchema => {
                            self.aliases.insert(component, definition)
                        }
                    };
                }
            }
        }
        for spec in &set.specs {
            if let Some(json) = spec.json_schema {
                self.json_schema_root(json);
                for name in definition_names(&set.files[json].value, "/$defs") {
                    self.named(json, &format!("/$defs/{}", escape_token(&name)));
                }
            }
        }
        for (module, spec) in self.modules.ids().zip(&set.specs) {
            if let Some(openapi) = spec.openapi {
                for name in definition_names(&set.files[openapi].value, "/components/schemas") {
                    self.named(
                        openapi,
                        &format!("/components/schemas/{}", escape_token(&name)),
                    );
                }
                let operations = self.openapi_document(openapi);
                self.modules[module].operations = operations;
            }
            if let Some(openrpc) = spec.openrpc {
                for name in definition_names(&set.files[openrpc].value, "/components/schemas") {
                    self.named(
                        openrpc,
                        &format!("/components/schemas/{}", escape_token(&name)),
                    );
                }
                let methods = self.openrpc_document(openrpc);
                self.modules[module].methods = methods;
            }
        }
        if self.reading == Reading::Merged {
            self.compare_aliases();
        }
        self.bind_methods();
    }

    fn finish(mut self) -> Api {
        self.examples.sort_by(|a, b| a.origin.cmp(&b.origin));
        self.examples.dedup_by(|a, b| a.origin == b.origin);
        Api {
            version: self.set.version.clone(),
            modules: self.modules,
            types: self.types,
            examples: self.examples,
            diagnostics: self.diags.into_sorted(),
        }
    }

    fn json_schema_root(&mut self, file: usize) {
        let Some(root) = self.set.files[file].value.as_object() else {
            self.diags.error(
                Code::NotASchema,
                self.locate(file, ""),
                "a JSON Schema bundle must be an object",
            );
            return;
        };
        let mut keys = keys::Keys::new(root);
        keys.take_annotations();
        if let Some(dialect) = keys.take("$schema").and_then(Value::as_str) {
            if !dialect.contains("2020-12") {
                self.diags.warn(
                    Code::SchemaDialect,
                    self.locate(file, "/$schema"),
                    format!("dialect `{dialect}` is read as JSON Schema 2020-12"),
                );
            }
        }
        // A bundle's root is a container of `$defs`, not a schema of its own.
        self.report_leftovers(file, "", &keys);
    }

    pub(crate) fn locate(&self, file: usize, pointer: &str) -> Location {
        self.set.files[file].locate(pointer)
    }

    pub(crate) fn origin(&self, file: usize, pointer: &str) -> Origin {
        Origin {
            file: self.set.files[file].path.clone(),
            pointer: pointer.to_string(),
        }
    }

    pub(crate) fn node(&self, file: usize, pointer: &str) -> Option<&'a Value> {
        self.set.files[file].get(pointer)
    }

    /// A type name not yet used in the module.
    pub(crate) fn unique_name(&mut self, module: ModuleId, wanted: &str) -> String {
        let base = naming::type_name(wanted);
        let mut name = base.clone();
        let mut n = 2;
        while !self.names.insert((module, name.clone())) {
            name = format!("{base}{n}");
            n += 1;
        }
        name
    }

    pub(crate) fn add_type(
        &mut self,
        file: usize,
        pointer: &str,
        name: String,
        kind: TypeKind,
    ) -> TypeId {
        let docs = self.node(file, pointer).map(docs_of).unwrap_or_default();
        let id = self.types.push(TypeDef {
            name,
            module: self.module_of_file[file],
            origin: self.origin(file, pointer),
            aliases: Vec::new(),
            docs,
            kind,
            nullable: false,
        });
        self.by_origin.insert((file, pointer.to_string()), id);
        id
    }

    /// Records the `example`/`examples` of a schema node, as instances of `ty`.
    pub(crate) fn record_examples(&mut self, file: usize, pointer: &str, ty: &TypeRef) {
        let Some(node) = self.node(file, pointer) else {
            return;
        };
        if let Some(value) = node.get("example") {
            self.push_example(
                self.origin(file, &format!("{pointer}/example")),
                self.origin(file, pointer),
                ty,
                value,
            );
        }
        match node.get("examples") {
            Some(Value::Array(values)) => {
                for (i, value) in values.iter().enumerate() {
                    let at = self.origin(file, &format!("{pointer}/examples/{i}"));
                    self.push_example(at, self.origin(file, pointer), ty, value);
                }
            }
            Some(_) => self.diags.warn(
                Code::BadKeyword,
                self.locate(file, &format!("{pointer}/examples")),
                "in a schema, `examples` must be an array; its values are not checked",
            ),
            None => {}
        }
    }

    pub(crate) fn push_example(
        &mut self,
        origin: Origin,
        schema: Origin,
        ty: &TypeRef,
        value: &Value,
    ) {
        self.examples.push(Example {
            origin,
            schema,
            ty: ty.clone(),
            value: value.clone(),
        });
    }
}

impl Converter<'_> {
    /// The object schemas that make up the one at `pointer`: itself and, transitively, what
    /// its `$ref` and `allOf` include, in document order. `None` when a step leads nowhere or
    /// the chain is too long to be a sane schema (cycles).
    pub(crate) fn object_nodes(&self, file: usize, pointer: &str) -> Option<Vec<(usize, String)>> {
        let mut out = Vec::new();
        let mut stack = vec![(file, pointer.to_string())];
        while let Some((f, p)) = stack.pop() {
            if out.len() >= 64 {
                return None;
            }
            let node = self.node(f, &p)?.as_object()?;
            if let Some(Value::Array(parts)) = node.get("allOf") {
                stack.extend(
                    (0..parts.len())
                        .rev()
                        .map(|i| (f, format!("{p}/allOf/{i}"))),
                );
            }
            if let Some(Value::String(reference)) = node.get("$ref") {
                let target = self.set.resolve(f, reference).ok()?;
                stack.push((target.file, target.pointer));
            }
            out.push((f, p));
        }
        Some(out)
    }
}

/// The keys of the object at `pointer`, in file order.
fn definition_names(document: &Value, pointer: &str) -> Vec<String> {
    document
        .pointer(pointer)
        .and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// Documentation keywords of a schema node.
pub(crate) fn docs_of(node: &Value) -> Docs {
    let text = |key: &str| node.get(key).and_then(Value::as_str).map(str::to_string);
    Docs {
        title: text("title"),
        description: text("description"),
        deprecated: node
            .get("deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        default: node.get("default").cloned(),
        access: if node.get("readOnly").and_then(Value::as_bool) == Some(true) {
            Some("read-only")
        } else if node.get("writeOnly").and_then(Value::as_bool) == Some(true) {
            Some("write-only")
        } else {
            None
        },
    }
}

/// Whether a pointer names a reusable definition (which gets a type named after its key).
pub(crate) fn is_definition(pointer: &str) -> bool {
    let parent = match pointer.rfind('/') {
        Some(cut) => &pointer[..cut],
        None => return false,
    };
    matches!(parent, "/$defs" | "/definitions" | "/components/schemas")
}
