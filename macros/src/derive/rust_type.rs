//! What JSON a Rust type serializes to, judged from its syntax alone.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{GenericArgument, PathArguments, Type};

/// The JSON a Rust type stands for.
#[derive(Debug, Clone)]
pub enum Kind {
    /// `String`, `&str`, `char`, `Cow<str>`, date-times, UUIDs, URLs.
    String,
    /// Integer primitives, `NonZero*`.
    Integer,
    /// `f32`, `f64`, `serde_json::Number`.
    Number,
    /// `bool`.
    Boolean,
    /// `()`.
    Null,
    /// `Vec<T>`, `[T; N]`, `&[T]`, sets, tuples (item type when known).
    Array(Option<Box<RustType>>),
    /// Maps, `serde_json::Map` (value type when known).
    Map(Option<Box<RustType>>),
    /// `serde_json::Value` and what the syntax cannot tell: anything.
    Any,
    /// Any other path: a struct (object) or an enum (string values, usually).
    Opaque,
}

/// How a value may be missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapper {
    /// Always present.
    None,
    /// `Option<T>`: absent or `null` read as `None`; `None` written as `null` (or skipped).
    Option,
    /// `acp_runtime::Nullable<T>`: absent, `null` or a value.
    Nullable,
}

/// A Rust type, classified.
#[derive(Debug, Clone)]
pub struct RustType {
    /// The JSON kind of the value (inside `Option`/`Nullable`).
    pub kind: Kind,
    /// The `Option`/`Nullable` around it.
    pub wrapper: Wrapper,
    /// The type (inside the wrapper), as written, for messages.
    pub text: String,
    /// Its tokens (errors span all of them).
    pub tokens: TokenStream,
    /// With the wrapper (`Option<T>`), when there is one.
    pub wrapped: Option<TokenStream>,
}

/// The type as the user wrote it, compacted (`Vec<String>`, not `Vec < String >`).
pub fn type_text(ty: &impl ToTokens) -> String {
    let raw = ty.to_token_stream().to_string();
    let mut out = String::with_capacity(raw.len());
    let chars: Vec<char> = raw.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == ' ' {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let glue = |c: Option<char>| matches!(c, Some('<' | '>' | ':' | '&' | '(' | '[' | ','));
            let glue_next = matches!(next, Some('<' | '>' | ':' | ')' | ']' | ',' | ';'));
            if (glue(prev) && prev != Some(',')) || glue_next {
                continue;
            }
        }
        out.push(*c);
    }
    out
}

fn type_args(arguments: &PathArguments) -> Vec<&Type> {
    match arguments {
        PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Classifies `ty`.
pub fn classify(ty: &Type) -> RustType {
    let mut rust = classify_inner(ty);
    if rust.wrapper == Wrapper::None {
        rust.text = type_text(ty);
    }
    rust
}

fn plain(kind: Kind, ty: &Type) -> RustType {
    RustType {
        kind,
        wrapper: Wrapper::None,
        text: type_text(ty),
        tokens: ty.to_token_stream(),
        wrapped: None,
    }
}

fn boxed(ty: Option<&&Type>) -> Option<Box<RustType>> {
    ty.map(|t| Box::new(classify(t)))
}

fn classify_inner(ty: &Type) -> RustType {
    match ty {
        Type::Reference(r) => classify_inner(&r.elem),
        Type::Paren(p) => classify_inner(&p.elem),
        Type::Group(g) => classify_inner(&g.elem),
        Type::Array(a) => plain(Kind::Array(Some(Box::new(classify(&a.elem)))), ty),
        Type::Slice(s) => plain(Kind::Array(Some(Box::new(classify(&s.elem)))), ty),
        Type::Tuple(t) if t.elems.is_empty() => plain(Kind::Null, ty),
        Type::Tuple(_) => plain(Kind::Array(None), ty),
        Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return plain(Kind::Any, ty);
            };
            let name = last.ident.to_string();
            let args = type_args(&last.arguments);
            match name.as_str() {
                "Option" | "Nullable" if args.len() == 1 => {
                    let mut inner = classify_inner(args[0]);
                    if inner.wrapper == Wrapper::None {
                        inner.text = type_text(args[0]);
                    }
                    inner.wrapped = Some(ty.to_token_stream());
                    inner.wrapper = if name == "Option" {
                        Wrapper::Option
                    } else {
                        Wrapper::Nullable
                    };
                    inner
                }
                "Box" | "Rc" | "Arc" | "Cow" | "RefCell" | "Cell" | "Mutex" | "RwLock"
                    if args.len() == 1 =>
                {
                    let mut inner = classify_inner(args[0]);
                    inner.text = type_text(ty);
                    inner.tokens = ty.to_token_stream();
                    inner
                }
                "String" | "str" | "char" | "DateTime" | "Uuid" | "Url" | "PathBuf"
                | "OsString" => plain(Kind::String, ty),
                "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64"
                | "u128" | "usize" | "NonZero" | "NonZeroU8" | "NonZeroU16" | "NonZeroU32"
                | "NonZeroU64" | "NonZeroU128" | "NonZeroUsize" | "NonZeroI8" | "NonZeroI16"
                | "NonZeroI32" | "NonZeroI64" | "NonZeroI128" | "NonZeroIsize" => {
                    plain(Kind::Integer, ty)
                }
                "f32" | "f64" | "Number" => plain(Kind::Number, ty),
                "bool" => plain(Kind::Boolean, ty),
                "Vec" | "VecDeque" | "LinkedList" | "HashSet" | "BTreeSet" | "IndexSet"
                | "BinaryHeap" | "SmallVec" => plain(Kind::Array(boxed(args.first())), ty),
                "HashMap" | "BTreeMap" | "IndexMap" | "Map" => {
                    plain(Kind::Map(boxed(args.last())), ty)
                }
                "Value" => plain(Kind::Any, ty),
                _ => plain(Kind::Opaque, ty),
            }
        }
        _ => plain(Kind::Any, ty),
    }
}

impl Kind {
    /// "a string", "an array of ...", for messages.
    pub fn describe(&self) -> String {
        match self {
            Kind::String => "a string".into(),
            Kind::Integer => "an integer".into(),
            Kind::Number => "a number".into(),
            Kind::Boolean => "a boolean".into(),
            Kind::Null => "null".into(),
            Kind::Array(_) => "an array".into(),
            Kind::Map(_) => "an object (a map)".into(),
            Kind::Any => "any JSON".into(),
            Kind::Opaque => "an object or an enum".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(src: &str) -> (String, Wrapper, String) {
        let ty: Type = syn::parse_str(src).unwrap();
        let rust = classify(&ty);
        (rust.kind.describe(), rust.wrapper, rust.text)
    }

    #[test]
    fn classifies_by_syntax() {
        assert_eq!(kind("String").0, "a string");
        assert_eq!(kind("&'static str").0, "a string");
        assert_eq!(kind("u32").0, "an integer");
        assert_eq!(kind("f64").0, "a number");
        assert_eq!(kind("bool").0, "a boolean");
        assert_eq!(kind("Vec<String>").0, "an array");
        assert_eq!(kind("[u8; 4]").0, "an array");
        assert_eq!(
            kind("std::collections::BTreeMap<String, i64>").0,
            "an object (a map)"
        );
        assert_eq!(kind("serde_json::Value").0, "any JSON");
        assert_eq!(kind("my::Address").0, "an object or an enum");
        assert_eq!(
            kind("Option<Vec<String>>"),
            ("an array".into(), Wrapper::Option, "Vec<String>".into())
        );
        assert_eq!(
            kind("acp_runtime::Nullable<Box<i64>>"),
            ("an integer".into(), Wrapper::Nullable, "Box<i64>".into())
        );
        assert_eq!(
            type_text(
                &syn::parse_str::<Type>("std::collections::HashMap<String, Vec<u8>>").unwrap()
            ),
            "std::collections::HashMap<String, Vec<u8>>"
        );
    }
}
