//! JSON Schema (2020-12, plus the OpenAPI 3.0 leftovers found in the real files) → types.

use indexmap::{IndexMap, IndexSet};
use serde_json::Value;

use super::keys::Keys;
use super::{is_definition, Converter};
use crate::diagnostics::Code;
use crate::ir::{
    Additional, Alternatives, Condition, EnumValue, Field, Format, MemberTest, Rules, Shape,
    Struct, TaggedUnion, TypeId, TypeKind, TypeRef,
};
use crate::naming;
use crate::source::escape_token;

/// What a schema node lowers to: a construct that needs a named type, or a plain use.
enum Lowered {
    Kind(TypeKind, bool),
    Ref(TypeRef),
}

/// Properties, requirements and rules gathered from an object schema and its `allOf` parts.
#[derive(Default)]
struct ObjectParts {
    /// Property name → (file, pointer of its schema, name prefix for inline types).
    /// A member declared by several `allOf` parts has several schemas; all of them apply.
    properties: IndexMap<String, Vec<(usize, String, String)>>,
    required: IndexSet<String>,
    forbid_additional: bool,
    typed_additional: Option<(usize, String)>,
    conditions: Vec<(usize, String)>,
    alternatives: Vec<(usize, String, bool)>,
    /// Parts that forbid additional properties: (file, pointer, members they declare).
    closed_parts: Vec<(usize, String, Vec<String>)>,
    min_properties: Option<u64>,
    max_properties: Option<u64>,
}

impl Converter<'_> {
    /// The type of a reusable definition (`$defs/X`, `components/schemas/X`), converted once.
    pub(crate) fn named(&mut self, file: usize, pointer: &str) -> TypeId {
        let key = (file, pointer.to_string());
        let (file, pointer) = self.aliases.get(&key).cloned().unwrap_or(key.clone());
        if let Some(id) = self.by_origin.get(&(file, pointer.clone())) {
            let id = *id;
            if key != (file, pointer.clone()) {
                let alias = self.origin(key.0, &key.1);
                if !self.types[id].aliases.contains(&alias) {
                    self.types[id].aliases.push(alias);
                }
            }
            return id;
        }
        let token = pointer
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .replace("~1", "/")
            .replace("~0", "~");
        let module = self.module_of_file[file];
        let name = self.unique_name(module, &token);
        // Reserve first: definitions may refer to themselves.
        let id = self.add_type(
            file,
            &pointer,
            name.clone(),
            TypeKind::Struct(Struct::default()),
        );
        if key != (file, pointer.clone()) {
            let alias = self.origin(key.0, &key.1);
            self.types[id].aliases.push(alias);
        }
        match self.lower(file, &pointer, &name) {
            Lowered::Kind(kind, nullable) => {
                self.types[id].kind = kind;
                self.types[id].nullable = nullable;
            }
            Lowered::Ref(ty) => self.types[id].kind = TypeKind::Newtype(ty),
        }
        let ty = self.named_ref(id);
        self.record_examples(file, &pointer, &ty);
        id
    }

    pub(crate) fn named_ref(&self, id: TypeId) -> TypeRef {
        TypeRef {
            shape: Shape::Named(id),
            nullable: self.types[id].nullable,
            rules: Rules::default(),
        }
    }

    /// The type of any schema node; inline objects, enums and unions get a type named `hint`.
    pub(crate) fn schema(&mut self, file: usize, pointer: &str, hint: &str) -> TypeRef {
        if is_definition(pointer) {
            let id = self.named(file, pointer);
            return self.named_ref(id);
        }
        if let Some(id) = self.by_origin.get(&(file, pointer.to_string())) {
            return self.named_ref(*id);
        }
        let key = (file, pointer.to_string());
        if !self.in_progress.insert(key.clone()) {
            self.diags.error(
                Code::RefCycle,
                self.locate(file, pointer),
                "this schema refers to itself through `$ref`s to non-definition locations; \
                 move it under `$defs` so it can be named",
            );
            return TypeRef::plain(Shape::Any);
        }
        let lowered = self.lower(file, pointer, hint);
        self.in_progress.remove(&key);
        let ty = match lowered {
            Lowered::Ref(ty) => ty,
            Lowered::Kind(kind, nullable) => {
                let module = self.module_of_file[file];
                let name = self.unique_name(module, hint);
                let id = self.add_type(file, pointer, name, kind);
                self.types[id].nullable = nullable;
                self.named_ref(id)
            }
        };
        self.record_examples(file, pointer, &ty);
        ty
    }

    fn lower(&mut self, file: usize, pointer: &str, name: &str) -> Lowered {
        let object = match self.node(file, pointer) {
            Some(Value::Object(object)) => object,
            Some(Value::Bool(true)) => return Lowered::Ref(TypeRef::plain(Shape::Any)),
            Some(Value::Bool(false)) => {
                self.diags.warn(
                    Code::FalseSchema,
                    self.locate(file, pointer),
                    "`false` allows no value; treated as any value",
                );
                return Lowered::Ref(TypeRef::plain(Shape::Any));
            }
            Some(other) => {
                self.diags.error(
                    Code::NotASchema,
                    self.locate(file, pointer),
                    format!(
                        "a schema must be an object or a boolean, found {}",
                        kind_of(other)
                    ),
                );
                return Lowered::Ref(TypeRef::plain(Shape::Any));
            }
            None => {
                self.diags.error(
                    Code::NotASchema,
                    self.locate(file, pointer),
                    "no schema here",
                );
                return Lowered::Ref(TypeRef::plain(Shape::Any));
            }
        };
        let mut keys = Keys::new(object);
        keys.take_annotations();
        let legacy_nullable = self.legacy_nullable(file, pointer, &mut keys);
        let lowered = if keys.has("$ref") {
            self.lower_ref(file, pointer, name, &mut keys)
        } else if keys.has("allOf") {
            keys.take("type");
            self.lower_all_of(file, pointer, name, &mut keys)
        } else if (keys.has("oneOf") || keys.has("anyOf")) && !constraint_only_union(object) {
            self.lower_union(file, pointer, name, &mut keys)
        } else if keys.has("enum") {
            self.lower_enum(file, pointer, &mut keys)
        } else if keys.has("const") {
            self.lower_const(file, pointer, &mut keys)
        } else {
            self.lower_typed(file, pointer, name, &mut keys)
        };
        self.report_leftovers(file, pointer, &keys);
        match lowered {
            Lowered::Kind(kind, nullable) => Lowered::Kind(kind, nullable || legacy_nullable),
            Lowered::Ref(mut ty) => {
                ty.nullable |= legacy_nullable;
                Lowered::Ref(ty)
            }
        }
    }

    /// OpenAPI 3.0's `nullable: true`, still found in 3.1 files.
    fn legacy_nullable(&mut self, file: usize, pointer: &str, keys: &mut Keys) -> bool {
        match keys.take("nullable") {
            Some(Value::Bool(flag)) => {
                self.diags.warn(
                    Code::Openapi30Keyword,
                    self.locate(file, &format!("{pointer}/nullable")),
                    "`nullable` is OpenAPI 3.0 syntax; in 3.1 write `type: [..., \"null\"]`. Honoured as if it were.",
                );
                *flag
            }
            Some(_) => {
                self.diags.warn(
                    Code::BadKeyword,
                    self.locate(file, &format!("{pointer}/nullable")),
                    "`nullable` must be a boolean; ignored",
                );
                false
            }
            None => false,
        }
    }

    pub(crate) fn report_leftovers(&mut self, file: usize, pointer: &str, keys: &Keys) {
        for leftover in keys.leftovers() {
            let at = self.locate(file, &format!("{pointer}/{}", escape_token(&leftover.key)));
            if leftover.misused {
                self.diags.error(Code::BadKeyword, at, leftover.reason);
            } else if leftover.key.starts_with("x-") {
                self.diags.warn(Code::ExtensionIgnored, at, leftover.reason);
            } else {
                self.diags
                    .warn(Code::UnsupportedKeyword, at, leftover.reason);
            }
        }
    }

    fn lower_ref(&mut self, file: usize, pointer: &str, name: &str, keys: &mut Keys) -> Lowered {
        let Some(reference) = keys
            .take("$ref")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            // Reported as a misused keyword; resolving "" would mean the whole document.
            return Lowered::Ref(TypeRef::plain(Shape::Any));
        };
        let structural = [
            "properties",
            "required",
            "allOf",
            "oneOf",
            "anyOf",
            "items",
            "additionalProperties",
        ];
        if structural.iter().any(|k| keys.has(k)) {
            // `$ref` with structural siblings means "both" (2020-12): an allOf of the two.
            keys.take("type");
            return self.lower_all_of(file, pointer, name, keys);
        }
        let Some((target_file, target_pointer)) = self.follow(file, pointer, &reference) else {
            return Lowered::Ref(TypeRef::plain(Shape::Any));
        };
        let mut ty = self.schema(target_file, &target_pointer, name);
        keys.take("type");
        let extra = self.rules(file, pointer, keys);
        merge_rules(&mut ty.rules, extra);
        Lowered::Ref(ty)
    }

    /// Resolves a `$ref`, reporting problems; `None` when it leads nowhere.
    pub(crate) fn follow(
        &mut self,
        file: usize,
        pointer: &str,
        reference: &str,
    ) -> Option<(usize, String)> {
        match self.set.resolve(file, reference) {
            Ok(target) => {
                if target.by_path_only && self.warned_by_path.insert((file, target.file)) {
                    self.diags.warn(
                        Code::RefByPath,
                        self.locate(file, &format!("{pointer}/$ref")),
                        format!(
                            "`{reference}` does not resolve against this document's `$id`; resolved by file path to {} (a standard JSON Schema validator will not find it)",
                            self.set.files[target.file].path
                        ),
                    );
                }
                Some((target.file, target.pointer))
            }
            Err(problem) => {
                self.diags.error(
                    Code::DanglingRef,
                    self.locate(file, &format!("{pointer}/$ref")),
                    problem.to_string(),
                );
                None
            }
        }
    }

    fn lower_all_of(&mut self, file: usize, pointer: &str, name: &str, keys: &mut Keys) -> Lowered {
        let parts = match keys.take("allOf") {
            Some(Value::Array(parts)) => parts.len(),
            Some(_) => {
                self.diags.error(
                    Code::BadKeyword,
                    self.locate(file, &format!("{pointer}/allOf")),
                    "`allOf` must be an array",
                );
                0
            }
            None => 0,
        };
        // `allOf: [$ref]` alone is the referenced type (with this node's annotations).
        let only_reference = parts == 1
            && ![
                "properties",
                "required",
                "additionalProperties",
                "if",
                "$ref",
            ]
            .iter()
            .any(|k| keys.has(k));
        if only_reference {
            let ty = self.schema(file, &format!("{pointer}/allOf/0"), name);
            return Lowered::Ref(ty);
        }
        let mut object = ObjectParts::default();
        let mut visited = Vec::new();
        self.collect_object(file, pointer, name, &mut object, &mut visited, Some(keys));
        Lowered::Kind(
            TypeKind::Struct(self.build_struct(file, pointer, object)),
            false,
        )
    }

    /// Gathers the members of an object schema, following `$ref` and `allOf`. `own_keys` is the
    /// keyword tracker of the node itself when the caller owns it.
    fn collect_object(
        &mut self,
        file: usize,
        pointer: &str,
        prefix: &str,
        parts: &mut ObjectParts,
        visited: &mut Vec<(usize, String)>,
        own_keys: Option<&mut Keys>,
    ) {
        if visited.contains(&(file, pointer.to_string())) {
            self.diags.error(
                Code::RefCycle,
                self.locate(file, pointer),
                "`allOf` includes itself",
            );
            return;
        }
        visited.push((file, pointer.to_string()));
        let Some(Value::Object(object)) = self.node(file, pointer) else {
            self.diags.error(
                Code::NotASchema,
                self.locate(file, pointer),
                "an `allOf` part must be a schema object",
            );
            return;
        };
        match own_keys {
            Some(keys) => self.collect_members(file, pointer, prefix, parts, visited, keys),
            None => {
                let mut keys = Keys::new(object);
                self.collect_members(file, pointer, prefix, parts, visited, &mut keys);
                self.legacy_nullable(file, pointer, &mut keys);
                self.report_leftovers(file, pointer, &keys);
            }
        }
        visited.pop();
    }

    fn collect_members(
        &mut self,
        file: usize,
        pointer: &str,
        prefix: &str,
        parts: &mut ObjectParts,
        visited: &mut Vec<(usize, String)>,
        keys: &mut Keys,
    ) {
        keys.take_annotations();
        if let Some(Value::String(reference)) = keys.take("$ref") {
            if let Some((tf, tp)) = self.follow(file, pointer, reference) {
                let target_prefix = if is_definition(&tp) {
                    let id = self.named(tf, &tp);
                    self.types[id].name.clone()
                } else {
                    prefix.to_string()
                };
                self.collect_object(tf, &tp, &target_prefix, parts, visited, None);
            }
        }
        if let Some(Value::Array(items)) = keys.take("allOf") {
            for i in 0..items.len() {
                self.collect_object(
                    file,
                    &format!("{pointer}/allOf/{i}"),
                    prefix,
                    parts,
                    visited,
                    None,
                );
            }
        }
        if let Some(kind) = keys.take("type") {
            if kind != "object" {
                self.diags.warn(
                    Code::TypeConflict,
                    self.locate(file, &format!("{pointer}/type")),
                    format!("an object is expected here (in an `allOf` or beside `properties`), but `type` is {kind}"),
                );
            }
        }
        if let Some(Value::Object(properties)) = keys.take("properties") {
            for name in properties.keys() {
                let at = format!("{pointer}/properties/{}", escape_token(name));
                parts.properties.entry(name.clone()).or_default().push((
                    file,
                    at,
                    prefix.to_string(),
                ));
            }
        }
        if let Some(Value::Array(required)) = keys.take("required") {
            parts.required.extend(
                required
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string),
            );
        }
        match keys.take("additionalProperties") {
            Some(Value::Bool(false)) => {
                parts.forbid_additional = true;
                let own = self
                    .node(file, pointer)
                    .and_then(|n| n.get("properties"))
                    .and_then(Value::as_object);
                let own = own.map(|o| o.keys().cloned().collect()).unwrap_or_default();
                parts.closed_parts.push((file, pointer.to_string(), own));
            }
            Some(Value::Bool(true)) | None => {}
            Some(_) => {
                parts.typed_additional = Some((file, format!("{pointer}/additionalProperties")))
            }
        }
        if keys.take("if").is_some() {
            keys.take("then");
            keys.take("else");
            parts.conditions.push((file, pointer.to_string()));
        }
        for (keyword, exclusive) in [("oneOf", true), ("anyOf", false)] {
            if keys.take(keyword).is_some() {
                parts
                    .alternatives
                    .push((file, pointer.to_string(), exclusive));
            }
        }
        if let Some(n) = keys.take("minProperties").and_then(Value::as_u64) {
            parts.min_properties = Some(n);
        }
        if let Some(n) = keys.take("maxProperties").and_then(Value::as_u64) {
            parts.max_properties = Some(n);
        }
    }

    fn build_struct(&mut self, file: usize, pointer: &str, parts: ObjectParts) -> Struct {
        for (part_file, part_pointer, own) in &parts.closed_parts {
            let foreign: Vec<&String> = parts
                .properties
                .keys()
                .filter(|p| !own.contains(p))
                .collect();
            if (*part_file, part_pointer.as_str()) != (file, pointer) && !foreign.is_empty() {
                let verb = if foreign.len() == 1 { "makes" } else { "make" };
                let names = foreign
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.diags.warn(
                    Code::AllofClosedPart,
                    self.locate(file, pointer),
                    format!(
                        "the `allOf` part {}#{part_pointer} forbids additional properties, so {names} (declared by another part) {verb} every instance invalid under JSON Schema; the generated type merges the parts as intended",
                        self.set.files[*part_file].path
                    ),
                );
            }
        }
        let mut fields = Vec::new();
        for (name, schemas) in &parts.properties {
            let (pfile, ppointer, prefix) = &schemas[0];
            let hint = format!("{prefix}{}", naming::type_name(name));
            let mut ty = self.schema(*pfile, ppointer, &hint);
            for (other_file, other_pointer, other_prefix) in &schemas[1..] {
                let hint = format!("{other_prefix}{}", naming::type_name(name));
                let other = self.schema(*other_file, other_pointer, &hint);
                ty = self.intersect(ty, other, (*other_file, other_pointer), name);
            }
            let docs = self
                .node(*pfile, ppointer)
                .map(super::docs_of)
                .unwrap_or_default();
            fields.push(Field {
                name: name.clone(),
                docs,
                ty,
                required: parts.required.contains(name),
                origin: self.origin(*pfile, ppointer),
            });
        }
        for missing in parts
            .required
            .iter()
            .filter(|r| !parts.properties.contains_key(*r))
        {
            if parts.forbid_additional {
                self.diags.warn(
                    Code::RequiredUndeclared,
                    self.locate(file, pointer),
                    format!("`{missing}` is required but not declared while additional properties are forbidden: no value can be valid"),
                );
            } else {
                // Required but untyped: keep it as any JSON so it round-trips.
                fields.push(Field {
                    name: missing.clone(),
                    docs: Default::default(),
                    ty: TypeRef::plain(Shape::Any),
                    required: true,
                    origin: self.origin(file, pointer),
                });
            }
        }
        let additional = if parts.forbid_additional {
            Additional::Forbidden
        } else if let Some((afile, apointer)) = parts.typed_additional {
            Additional::Typed(Box::new(self.schema(afile, &apointer, "Additional")))
        } else {
            Additional::Any
        };
        let conditions = parts
            .conditions
            .iter()
            .filter_map(|(cfile, cpointer)| self.condition(*cfile, cpointer))
            .collect();
        let alternatives = parts
            .alternatives
            .iter()
            .filter_map(|(afile, apointer, exclusive)| {
                self.alternatives(*afile, apointer, *exclusive)
            })
            .collect();
        Struct {
            fields,
            additional,
            conditions,
            alternatives,
            property_count: (parts.min_properties, parts.max_properties),
        }
    }

    /// The type of a member two `allOf` parts both constrain: the narrower one (a constant or
    /// enum over a plain string, a named type over an untyped value), with the rules of both.
    fn intersect(
        &mut self,
        first: TypeRef,
        second: TypeRef,
        at: (usize, &str),
        member: &str,
    ) -> TypeRef {
        let types = &self.types;
        let specific = |ty: &TypeRef| match &ty.shape {
            Shape::Any => 0,
            Shape::String
            | Shape::Integer
            | Shape::Number
            | Shape::Boolean
            | Shape::Object
            | Shape::DateTime
            | Shape::Null => 1,
            Shape::Array(_) | Shape::Map(_) => 2,
            Shape::Named(id) => match types[*id].kind {
                TypeKind::Const(_) => 5,
                TypeKind::Enum(_) => 4,
                _ => 3,
            },
        };
        let compatible = first.shape == second.shape
            || specific(&first) != specific(&second)
            || matches!(
                (&first.shape, &second.shape),
                (Shape::Array(_), Shape::Array(_))
            );
        if !compatible {
            self.diags.warn(
                Code::AllofConflict,
                self.locate(at.0, at.1),
                format!(
                    "`allOf` parts give `{member}` different types ({} and {}); a value must match both, and the type follows the first",
                    self.describe(&first),
                    self.describe(&second)
                ),
            );
            return first;
        }
        let (mut keep, other) = if specific(&second) > specific(&first) {
            (second, first)
        } else {
            (first, second)
        };
        merge_rules(&mut keep.rules, other.rules);
        keep.nullable &= other.nullable;
        keep
    }

    /// A type in words, for messages: the named type and where it is defined, or the JSON type.
    fn describe(&self, ty: &TypeRef) -> String {
        match &ty.shape {
            Shape::Named(id) => {
                format!("`{}` from {}", self.types[*id].name, self.types[*id].origin)
            }
            other => format!("{other:?}").to_lowercase(),
        }
    }

    /// `if`/`then`/`else` whose parts only test members against constants and require
    /// members (at any depth): the shape the specs use.
    fn condition(&mut self, file: usize, pointer: &str) -> Option<Condition> {
        let node = self.node(file, pointer)?;
        let parse = |key: &str| match node.get(key) {
            None => Ok(MemberTest::default()),
            Some(branch) => member_test(branch),
        };
        match (parse("if"), parse("then"), parse("else")) {
            (Ok(when), Ok(then), Ok(otherwise)) => Some(Condition {
                when,
                then,
                otherwise,
                origin: self.origin(file, pointer),
            }),
            (Err(why), _, _) | (_, Err(why), _) | (_, _, Err(why)) => {
                self.diags.warn(
                    Code::UnsupportedCondition,
                    self.locate(file, &format!("{pointer}/if")),
                    format!(
                        "this `if`/`then`/`else` is not enforced by the generated types: {why}"
                    ),
                );
                None
            }
        }
    }

    fn alternatives(
        &mut self,
        file: usize,
        pointer: &str,
        exclusive: bool,
    ) -> Option<Alternatives> {
        let keyword = if exclusive { "oneOf" } else { "anyOf" };
        let branches = self
            .node(file, &format!("{pointer}/{keyword}"))?
            .as_array()?;
        let tests: Result<Vec<MemberTest>, String> = branches.iter().map(member_test).collect();
        match tests {
            Ok(branches) => Some(Alternatives {
                exclusive,
                branches,
                origin: self.origin(file, &format!("{pointer}/{keyword}")),
            }),
            Err(why) => {
                self.diags.warn(
                    Code::UnsupportedKeyword,
                    self.locate(file, &format!("{pointer}/{keyword}")),
                    format!("`{keyword}` beside `properties` is not enforced: {why}"),
                );
                None
            }
        }
    }

    fn lower_union(&mut self, file: usize, pointer: &str, name: &str, keys: &mut Keys) -> Lowered {
        let keyword = if keys.has("oneOf") { "oneOf" } else { "anyOf" };
        let variants: Vec<String> = match keys.take(keyword) {
            Some(Value::Array(items)) => (0..items.len())
                .map(|i| format!("{pointer}/{keyword}/{i}"))
                .collect(),
            _ => {
                self.diags.error(
                    Code::BadKeyword,
                    self.locate(file, &format!("{pointer}/{keyword}")),
                    format!("`{keyword}` must be an array"),
                );
                return Lowered::Ref(TypeRef::plain(Shape::Any));
            }
        };
        if keys.has("oneOf") && keys.has("anyOf") {
            self.diags.warn(
                Code::UnsupportedKeyword,
                self.locate(file, &format!("{pointer}/anyOf")),
                "`anyOf` beside `oneOf` is not enforced",
            );
            keys.take("anyOf");
        }
        keys.take("type");
        let preferred_tag = keys
            .take("discriminator")
            .and_then(|d| d.get("propertyName"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut nullable = false;
        let mut real: Vec<String> = Vec::new();
        for variant in variants {
            if self.is_null_schema(file, &variant) {
                nullable = true;
            } else {
                real.push(variant);
            }
        }
        if real.len() == 1 {
            let mut ty = self.schema(file, &real[0], name);
            ty.nullable |= nullable;
            return Lowered::Ref(ty);
        }
        if let Some(tag) = self.find_tag(file, &real, preferred_tag.as_deref()) {
            let mut tagged = Vec::new();
            for (variant, value) in real.iter().zip(&tag.1) {
                let hint = format!("{name}{}", naming::type_name(value));
                let ty = self.schema(file, variant, &hint);
                match ty.shape {
                    Shape::Named(id) => tagged.push((value.clone(), id)),
                    _ => return Lowered::Ref(TypeRef::plain(Shape::Any)),
                }
            }
            return Lowered::Kind(
                TypeKind::TaggedUnion(TaggedUnion {
                    tag: tag.0,
                    variants: tagged,
                }),
                nullable,
            );
        }
        let mut options = Vec::new();
        for (i, variant) in real.iter().enumerate() {
            options.push(self.schema(file, variant, &format!("{name}Variant{}", i + 1)));
        }
        Lowered::Kind(TypeKind::Untagged(options), nullable)
    }

    fn is_null_schema(&self, file: usize, pointer: &str) -> bool {
        let Some(node) = self.node(file, pointer) else {
            return false;
        };
        node.get("type") == Some(&Value::String("null".into()))
            || node.get("const") == Some(&Value::Null)
    }

    /// A member every variant requires and fixes to a distinct string constant.
    fn find_tag(
        &mut self,
        file: usize,
        variants: &[String],
        preferred: Option<&str>,
    ) -> Option<(String, Vec<String>)> {
        let mut per_variant = Vec::new();
        for variant in variants {
            let constants = self.constant_members(file, variant)?;
            per_variant.push(constants);
        }
        let mut candidates: Vec<&String> = per_variant.first()?.keys().collect();
        candidates.sort_by_key(|c| {
            (
                Some(c.as_str()) != preferred,
                c.as_str() != "type",
                c.to_string(),
            )
        });
        'candidates: for candidate in candidates {
            let mut values = Vec::new();
            for constants in &per_variant {
                match constants.get(candidate) {
                    Some(value) if !values.contains(value) => values.push(value.clone()),
                    _ => continue 'candidates,
                }
            }
            return Some((candidate.clone(), values));
        }
        None
    }

    /// Required members fixed to one string, following `$ref` and `allOf`, without converting.
    fn constant_members(&self, file: usize, pointer: &str) -> Option<IndexMap<String, String>> {
        let mut found = IndexMap::new();
        let mut required = IndexSet::new();
        for (f, p) in self.object_nodes(file, pointer)? {
            let node = self.node(f, &p)?.as_object()?;
            if let Some(Value::Array(names)) = node.get("required") {
                required.extend(names.iter().filter_map(Value::as_str).map(str::to_string));
            }
            for (member, schema) in node
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let schema = match schema.get("$ref").and_then(Value::as_str) {
                    Some(reference) => {
                        let target = self.set.resolve(f, reference).ok()?;
                        self.node(target.file, &target.pointer)?
                    }
                    None => schema,
                };
                let constant = match (schema.get("const"), schema.get("enum")) {
                    (Some(Value::String(c)), _) => Some(c.clone()),
                    (None, Some(Value::Array(values))) if values.len() == 1 => {
                        values[0].as_str().map(str::to_string)
                    }
                    _ => None,
                };
                if let Some(constant) = constant {
                    found.insert(member.clone(), constant);
                }
            }
        }
        found.retain(|member, _| required.contains(member));
        Some(found)
    }

    fn lower_enum(&mut self, file: usize, pointer: &str, keys: &mut Keys) -> Lowered {
        let values = match keys.take("enum") {
            Some(Value::Array(values)) => values.clone(),
            _ => {
                self.diags.error(
                    Code::BadKeyword,
                    self.locate(file, &format!("{pointer}/enum")),
                    "`enum` must be an array",
                );
                return Lowered::Ref(TypeRef::plain(Shape::Any));
            }
        };
        let (types, type_nullable) = self.types_of(file, pointer, keys);
        let nullable = values.contains(&Value::Null) || type_nullable;
        let non_null: Vec<Value> = values.into_iter().filter(|v| !v.is_null()).collect();
        if let Some(Value::String(c)) = keys.take("const") {
            if !non_null.contains(&Value::String(c.clone())) {
                self.diags.warn(
                    Code::BadKeyword,
                    self.locate(file, pointer),
                    "`const` is not one of the `enum` values: no value is valid",
                );
            }
        }
        let rules = self.rules(file, pointer, keys);
        if !non_null.is_empty() && non_null.iter().all(Value::is_string) {
            if types.iter().any(|t| t != "string") {
                self.diags.warn(
                    Code::TypeConflict,
                    self.locate(file, &format!("{pointer}/type")),
                    "string `enum` values under a non-string `type`",
                );
            }
            let values = non_null
                .iter()
                .filter_map(Value::as_str)
                .map(|v| EnumValue {
                    value: v.to_string(),
                })
                .collect();
            return Lowered::Kind(TypeKind::Enum(values), nullable);
        }
        let shape = types.first().map_or(Shape::Any, |t| primitive_shape(t));
        let mut rules = rules;
        rules.allowed = Some(non_null);
        Lowered::Ref(TypeRef {
            shape,
            nullable,
            rules,
        })
    }

    fn lower_const(&mut self, file: usize, pointer: &str, keys: &mut Keys) -> Lowered {
        let value = keys.take("const").cloned().unwrap_or(Value::Null);
        let (types, nullable) = self.types_of(file, pointer, keys);
        let rules = self.rules(file, pointer, keys);
        if value.is_string() {
            return Lowered::Kind(TypeKind::Const(value), nullable);
        }
        let shape = types.first().map_or(Shape::Any, |t| primitive_shape(t));
        Lowered::Ref(TypeRef {
            shape,
            nullable,
            rules: Rules {
                allowed: Some(vec![value]),
                ..rules
            },
        })
    }

    /// `type` as a list without `null`, and whether `null` was in it.
    fn types_of(&mut self, file: usize, pointer: &str, keys: &mut Keys) -> (Vec<String>, bool) {
        let mut types: Vec<String> = match keys.take("type") {
            None => Vec::new(),
            Some(Value::String(t)) => vec![t.clone()],
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Some(_) => {
                self.diags.error(
                    Code::BadKeyword,
                    self.locate(file, &format!("{pointer}/type")),
                    "`type` must be a string or an array of strings",
                );
                Vec::new()
            }
        };
        let known = [
            "string", "integer", "number", "boolean", "object", "array", "null",
        ];
        for t in &types {
            if !known.contains(&t.as_str()) {
                self.diags.error(
                    Code::BadKeyword,
                    self.locate(file, &format!("{pointer}/type")),
                    format!("unknown type `{t}`"),
                );
            }
        }
        let nullable = types.iter().any(|t| t == "null");
        types.retain(|t| t != "null" && known.contains(&t.as_str()));
        (types, nullable)
    }

    fn lower_typed(&mut self, file: usize, pointer: &str, name: &str, keys: &mut Keys) -> Lowered {
        let (mut types, nullable) = self.types_of(file, pointer, keys);
        if types.is_empty() {
            if [
                "properties",
                "additionalProperties",
                "required",
                "if",
                "oneOf",
                "anyOf",
            ]
            .iter()
            .any(|k| keys.has(k))
            {
                types.push("object".into());
            } else if keys.has("items") {
                types.push("array".into());
            }
        }
        if types.len() > 1 {
            let rules = self.rules(file, pointer, keys);
            let mut variants = Vec::new();
            for t in &types {
                let ty = match t.as_str() {
                    "array" => self.array(file, pointer, name, keys),
                    "object" => TypeRef::plain(Shape::Object),
                    other => TypeRef::plain(primitive_shape(other)),
                };
                variants.push(TypeRef {
                    rules: rules_for(&ty.shape, &rules),
                    ..ty
                });
            }
            return Lowered::Kind(TypeKind::Untagged(variants), nullable);
        }
        let Some(kind) = types.first() else {
            let rules = self.rules(file, pointer, keys);
            return Lowered::Ref(TypeRef {
                shape: if nullable { Shape::Null } else { Shape::Any },
                nullable,
                rules,
            });
        };
        let ty = match kind.as_str() {
            "object" => {
                // A closed object without members allows only `{}`: a struct, not a map.
                let closed = self
                    .node(file, pointer)
                    .and_then(|n| n.get("additionalProperties"))
                    == Some(&Value::Bool(false));
                let has_members = closed
                    || ["properties", "required", "if", "oneOf", "anyOf"]
                        .iter()
                        .any(|k| keys.has(k));
                if has_members {
                    let mut parts = ObjectParts::default();
                    let mut visited = Vec::new();
                    self.collect_object(file, pointer, name, &mut parts, &mut visited, Some(keys));
                    return Lowered::Kind(
                        TypeKind::Struct(self.build_struct(file, pointer, parts)),
                        nullable,
                    );
                }
                let shape = match keys.take("additionalProperties") {
                    Some(Value::Object(_)) => {
                        let item = self.schema(
                            file,
                            &format!("{pointer}/additionalProperties"),
                            &format!("{name}Value"),
                        );
                        Shape::Map(Box::new(item))
                    }
                    _ => Shape::Object,
                };
                TypeRef {
                    shape,
                    nullable,
                    rules: Rules::default(),
                }
            }
            "array" => {
                let mut ty = self.array(file, pointer, name, keys);
                ty.nullable = nullable;
                ty
            }
            "string" => {
                let mut rules = self.rules(file, pointer, keys);
                let shape = if rules.format == Some(Format::DateTime) {
                    rules.format = None;
                    Shape::DateTime
                } else {
                    Shape::String
                };
                TypeRef {
                    shape,
                    nullable,
                    rules,
                }
            }
            other => {
                let rules = self.rules(file, pointer, keys);
                TypeRef {
                    shape: primitive_shape(other),
                    nullable,
                    rules,
                }
            }
        };
        Lowered::Ref(ty)
    }

    fn array(&mut self, file: usize, pointer: &str, name: &str, keys: &mut Keys) -> TypeRef {
        let item = match keys.take("items") {
            Some(_) => self.schema(file, &format!("{pointer}/items"), &format!("{name}Item")),
            None => TypeRef::plain(Shape::Any),
        };
        let rules = self.rules(file, pointer, keys);
        TypeRef {
            shape: Shape::Array(Box::new(item)),
            nullable: false,
            rules,
        }
    }

    /// Reads the validation keywords of a node into [`Rules`].
    fn rules(&mut self, file: usize, pointer: &str, keys: &mut Keys) -> Rules {
        let mut rules = Rules::default();
        let count = |keys: &mut Keys, k: &str| keys.take(k).and_then(Value::as_u64);
        rules.min_length = count(keys, "minLength");
        rules.max_length = count(keys, "maxLength");
        rules.min_items = count(keys, "minItems");
        rules.max_items = count(keys, "maxItems");
        rules.unique_items = keys
            .take("uniqueItems")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        rules.format = keys
            .take("format")
            .and_then(Value::as_str)
            .map(Format::from_name);
        if let Some(Format::Other(name)) = &rules.format {
            self.diags.warn(
                Code::UnenforcedFormat,
                self.locate(file, &format!("{pointer}/format")),
                format!("format `{name}` is not enforced by the generated types"),
            );
        }
        if let Some(pattern) = keys.take("pattern").and_then(Value::as_str) {
            if let Err(problem) = regex::Regex::new(&crate::emit::translate_pattern(pattern)) {
                self.diags.warn(
                    Code::BadPattern,
                    self.locate(file, &format!("{pointer}/pattern")),
                    format!("pattern is not supported by the regex engine and is not enforced: {problem}"),
                );
            } else {
                rules.pattern = Some(pattern.to_string());
            }
        }
        rules.minimum = keys.take("minimum").and_then(Value::as_f64);
        rules.maximum = keys.take("maximum").and_then(Value::as_f64);
        rules.multiple_of = keys.take("multipleOf").and_then(Value::as_f64);
        for (keyword, bound) in [("exclusiveMinimum", true), ("exclusiveMaximum", false)] {
            match keys.take(keyword) {
                Some(Value::Bool(flag)) => {
                    self.diags.warn(
                        Code::Openapi30Keyword,
                        self.locate(file, &format!("{pointer}/{keyword}")),
                        format!("boolean `{keyword}` is OpenAPI 3.0 / draft-04 syntax; in 3.1 it is a number. Read as the 3.0 meaning (the bound is exclusive)"),
                    );
                    if *flag {
                        if bound {
                            rules.exclusive_minimum = rules.minimum.take();
                        } else {
                            rules.exclusive_maximum = rules.maximum.take();
                        }
                    }
                }
                Some(value) => {
                    let limit = value.as_f64();
                    if bound {
                        rules.exclusive_minimum = limit;
                    } else {
                        rules.exclusive_maximum = limit;
                    }
                }
                None => {}
            }
        }
        rules
    }
}

fn merge_rules(into: &mut Rules, extra: Rules) {
    let Rules {
        min_length,
        max_length,
        pattern,
        format,
        minimum,
        maximum,
        exclusive_minimum,
        exclusive_maximum,
        multiple_of,
        min_items,
        max_items,
        unique_items,
        allowed,
    } = extra;
    into.min_length = min_length.or(into.min_length);
    into.max_length = max_length.or(into.max_length);
    into.pattern = pattern.or(into.pattern.take());
    into.format = format.or(into.format.take());
    into.minimum = minimum.or(into.minimum);
    into.maximum = maximum.or(into.maximum);
    into.exclusive_minimum = exclusive_minimum.or(into.exclusive_minimum);
    into.exclusive_maximum = exclusive_maximum.or(into.exclusive_maximum);
    into.multiple_of = multiple_of.or(into.multiple_of);
    into.min_items = min_items.or(into.min_items);
    into.max_items = max_items.or(into.max_items);
    into.unique_items |= unique_items;
    into.allowed = allowed.or(into.allowed.take());
}

/// The subset of `rules` that applies to values of `shape`.
fn rules_for(shape: &Shape, rules: &Rules) -> Rules {
    match shape {
        Shape::String => Rules {
            min_length: rules.min_length,
            max_length: rules.max_length,
            pattern: rules.pattern.clone(),
            format: rules.format.clone(),
            ..Rules::default()
        },
        Shape::Integer | Shape::Number => Rules {
            minimum: rules.minimum,
            maximum: rules.maximum,
            exclusive_minimum: rules.exclusive_minimum,
            exclusive_maximum: rules.exclusive_maximum,
            multiple_of: rules.multiple_of,
            ..Rules::default()
        },
        Shape::Array(_) => Rules {
            min_items: rules.min_items,
            max_items: rules.max_items,
            unique_items: rules.unique_items,
            ..Rules::default()
        },
        _ => Rules::default(),
    }
}

fn primitive_shape(name: &str) -> Shape {
    match name {
        "string" => Shape::String,
        "integer" => Shape::Integer,
        "number" => Shape::Number,
        "boolean" => Shape::Boolean,
        "object" => Shape::Object,
        "array" => Shape::Array(Box::new(TypeRef::plain(Shape::Any))),
        _ => Shape::Any,
    }
}

use super::keys::kind_of;

/// An object schema whose `oneOf`/`anyOf` branches only constrain members it declares (so the
/// value is one struct with a rule, not a union of shapes).
fn constraint_only_union(object: &serde_json::Map<String, Value>) -> bool {
    let declares = object.contains_key("properties")
        || object.get("type") == Some(&Value::String("object".into()));
    let branches = ["oneOf", "anyOf"]
        .iter()
        .filter_map(|k| object.get(*k))
        .filter_map(Value::as_array)
        .flatten();
    declares && branches.clone().count() > 0 && branches.into_iter().all(|b| member_test(b).is_ok())
}

/// Reads a schema that only tests members (`properties` with `const`/`enum`, `required`, at any
/// depth) into a [`MemberTest`].
fn member_test(schema: &Value) -> Result<MemberTest, String> {
    let mut test = MemberTest::default();
    add_member_tests(schema, &mut Vec::new(), &mut test)?;
    Ok(test)
}

fn add_member_tests(
    schema: &Value,
    path: &mut Vec<String>,
    test: &mut MemberTest,
) -> Result<(), String> {
    let object = schema.as_object().ok_or("a branch is not an object")?;
    for (key, value) in object {
        match key.as_str() {
            "description" | "$comment" | "title" => {}
            "type" if value == "object" => {}
            "required" => {
                let names = value.as_array().ok_or("`required` is not an array")?;
                test.required.push((
                    path.clone(),
                    names
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                ));
            }
            "const" => test.values.push((path.clone(), vec![value.clone()])),
            "enum" => test.values.push((
                path.clone(),
                value.as_array().ok_or("`enum` is not an array")?.clone(),
            )),
            "properties" => {
                for (member, schema) in value.as_object().ok_or("`properties` is not an object")? {
                    path.push(member.clone());
                    add_member_tests(schema, path, test)?;
                    path.pop();
                }
            }
            other => return Err(format!("it uses `{other}`")),
        }
    }
    Ok(())
}
