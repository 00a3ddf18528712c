//! The tokens that check a value against the rules of its use (the bodies of `Validate`
//! impls, and what scanners run on the text).

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use serde_json::Value;

use super::Context;
use crate::emit::translate_pattern;
use crate::ir::{Format, MemberTest, Shape, TypeRef};

impl Context<'_> {
    /// Statements checking `value` (a reference to a non-null value of `ty`) against the rules
    /// of `ty`; `v` is the validator. Empty when there is nothing to check.
    pub(crate) fn checks(&self, ty: &TypeRef, value: TokenStream) -> TokenStream {
        let rules = &ty.rules;
        let mut out = Vec::new();
        match &ty.shape {
            Shape::String | Shape::DateTime => {
                let format = match &rules.format {
                    Some(Format::Email) => Some(quote!(Email)),
                    Some(Format::Uri) => Some(quote!(Uri)),
                    Some(Format::Date) => Some(quote!(Date)),
                    Some(Format::DateTime) => Some(quote!(DateTime)),
                    Some(Format::Other(_)) | None => None,
                };
                if rules.min_length.is_some()
                    || rules.max_length.is_some()
                    || rules.pattern.is_some()
                    || format.is_some()
                {
                    let min = option_tokens(rules.min_length);
                    let max = option_tokens(rules.max_length);
                    let format = format.unwrap_or(quote!(None));
                    let (pattern_static, pattern, source) = match &rules.pattern {
                        Some(source) => {
                            let translated = translate_pattern(source);
                            (
                                quote! {
                                    static PATTERN: acp_runtime::__private::LazyLock<acp_runtime::__private::Regex> =
                                        acp_runtime::__private::LazyLock::new(|| acp_runtime::__private::Regex::new(#translated).expect("checked when generated"));
                                },
                                quote!(Some(&PATTERN)),
                                source.clone(),
                            )
                        }
                        None => (quote!(), quote!(None), String::new()),
                    };
                    let as_str = if ty.shape == Shape::DateTime {
                        quote!(#value.as_str())
                    } else {
                        quote!(#value)
                    };
                    out.push(quote! {
                        #pattern_static
                        v.string(#as_str, &acp_runtime::StringRules {
                            min_length: #min,
                            max_length: #max,
                            pattern: #pattern,
                            pattern_source: #source,
                            format: acp_runtime::Format::#format,
                        });
                    });
                }
            }
            Shape::Integer | Shape::Number => {
                if rules.minimum.is_some()
                    || rules.maximum.is_some()
                    || rules.exclusive_minimum.is_some()
                    || rules.exclusive_maximum.is_some()
                    || rules.multiple_of.is_some()
                {
                    let [minimum, maximum, exclusive_minimum, exclusive_maximum, multiple_of] = [
                        rules.minimum,
                        rules.maximum,
                        rules.exclusive_minimum,
                        rules.exclusive_maximum,
                        rules.multiple_of,
                    ]
                    .map(float_option);
                    let (method, argument) = if ty.shape == Shape::Integer {
                        (quote!(integer), quote!(*#value))
                    } else {
                        (quote!(number), quote!(#value.as_f64().unwrap_or(f64::NAN)))
                    };
                    out.push(quote! {
                        v.#method(#argument, &acp_runtime::NumberRules {
                            minimum: #minimum,
                            maximum: #maximum,
                            exclusive_minimum: #exclusive_minimum,
                            exclusive_maximum: #exclusive_maximum,
                            multiple_of: #multiple_of,
                        });
                    });
                }
            }
            Shape::Array(item) => {
                if rules.min_items.is_some() || rules.max_items.is_some() || rules.unique_items {
                    let min = option_tokens(rules.min_items);
                    let max = option_tokens(rules.max_items);
                    let unique = rules.unique_items;
                    out.push(quote! {
                        v.array(#value, &acp_runtime::ArrayRules { min_items: #min, max_items: #max, unique_items: #unique });
                    });
                }
                let inner = self.element_checks(item);
                if !inner.is_empty() {
                    out.push(quote! {
                        for (index, item) in #value.iter().enumerate() {
                            v.at_index(index, |v| { #inner });
                        }
                    });
                }
            }
            Shape::Map(item) => {
                let inner = self.element_checks(item);
                if !inner.is_empty() {
                    out.push(quote! {
                        for (key, item) in #value.iter() {
                            v.at_key(key, |v| { #inner });
                        }
                    });
                }
            }
            Shape::Named(id) if self.checked[*id] => {
                out.push(quote!(acp_runtime::Validate::validate(#value, v);))
            }
            Shape::Named(_) => {}
            Shape::Any | Shape::Null | Shape::Boolean | Shape::Object => {}
        }
        if let Some(allowed) = &rules.allowed {
            let texts: Vec<String> = allowed.iter().map(Value::to_string).collect();
            out.push(quote!(v.one_of(#value, &[#(#texts),*]);));
        }
        quote!(#(#out)*)
    }

    /// Checks of one array item or map value bound to `item` (skipping `null` items).
    pub(crate) fn element_checks(&self, item: &TypeRef) -> TokenStream {
        let inner = self.checks(item, quote!(item));
        if !inner.is_empty() && item.nullable && item.shape != Shape::Null {
            quote!(if let Some(item) = item { #inner })
        } else {
            inner
        }
    }
}

/// A `acp_runtime::MemberTest` literal.
pub(super) fn member_test(test: &MemberTest) -> TokenStream {
    let values = test.values.iter().map(|(path, allowed)| {
        let texts: Vec<String> = allowed.iter().map(Value::to_string).collect();
        quote!((&[#(#path),*], &[#(#texts),*]))
    });
    let required = test
        .required
        .iter()
        .map(|(path, members)| quote!((&[#(#path),*], &[#(#members),*])));
    quote!(acp_runtime::MemberTest { values: &[#(#values),*], required: &[#(#required),*] })
}

pub(super) fn option_tokens(value: Option<u64>) -> TokenStream {
    match value {
        Some(n) => quote!(Some(#n)),
        None => quote!(None),
    }
}

pub(super) fn float_option(value: Option<f64>) -> TokenStream {
    match value {
        Some(n) => {
            let literal = Literal::f64_suffixed(n);
            quote!(Some(#literal))
        }
        None => quote!(None),
    }
}
