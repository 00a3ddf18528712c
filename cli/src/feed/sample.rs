//! Synthetic product catalogs (`acp-codegen feed sample`): valid `Product` lines built from the
//! generated models, with a chosen fraction of lines broken on purpose and the list of what was
//! broken where.
//!
//! Valid lines are built as [`Product`] values and serialized with `serde_json`, so they are
//! valid by construction. A faulty line gets exactly one mistake of the kind merchants make
//! (see [`write_sample`] for the list), and the fault is reported with the line, JSONPath and
//! problem kind `acp_runtime::jsonl::validate` gives it. The products and the fault choices
//! come from two generators seeded from [`SampleOptions::seed`], so the valid lines of a sample
//! do not depend on the fault rate.

use std::io::{self, Write};

use super::models::sampled::{
    Availability, Barcode, Category, Description, FeedMetadata, Link, Measure, Media, Price,
    Product, ReferenceMeasure, Seller, UnitPrice, Variant, VariantOption,
};
use acp_runtime::JsonPath;
use fastrand::Rng;
use serde_json::Value;

/// What to write.
#[derive(Debug, Clone)]
pub struct SampleOptions {
    /// Products (lines) to write.
    pub count: u64,
    /// Seed of the pseudo-random generator: the same options write the same bytes.
    pub seed: u64,
    /// Fraction of lines (0.0 to 1.0) that get one injected fault.
    pub fault_rate: f64,
}

/// One fault written on purpose.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InjectedFault {
    /// 1-based line.
    pub line: u64,
    /// RFC 9535 normalized JSONPath of the faulty value, as the validator reports it.
    pub path: String,
    /// The problem kind the validator reports (`acp_runtime::jsonl::ProblemKind::as_str`).
    pub kind: &'static str,
    /// What was done, in words.
    pub fault: String,
}

/// Counts of a written sample.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SampleSummary {
    /// Lines written (`count`).
    pub lines: u64,
    /// Bytes written, newlines included.
    pub bytes: u64,
    /// Lines with an injected fault.
    pub faults: u64,
}

/// Writes `options.count` product lines to `out`, calling `on_fault` for each injected fault in
/// line order.
///
/// Each line is one `Product` with 1 to 4 variants (1.1 KB on average with one variant, 1.3 KB
/// over all lines, nine in ten between 0.9 and 1.8 KB) ending in `\n`; product ids and variant
/// ids are unique across the file. Each line is faulty with probability
/// `fault_rate` (clamped to 0..=1; 1 breaks every line), and a faulty line gets exactly one of
/// these mistakes, each reported by the validator as one problem on that line only:
///
/// | mistake | kind | path |
/// |---|---|---|
/// | line cut short | `syntax` | `$` |
/// | trailing comma | `syntax` | `$` |
/// | Latin-1 bytes in the title | `encoding` | `$` |
/// | the product's `id` or a variant's `title` written twice | `shape` | the repeated member |
/// | price amount as a decimal string, barcode value as a number, `available` as a string | `type` | the value |
/// | a variant's `title` or a price's `currency` left out | `missing` | the object lacking it |
/// | the product's `variants` or `id` left out | `missing` | `$` |
/// | a member the feed does not define, on the product or inside a variant | `unknown` | the member |
/// | lowercase currency, negative amount, URL that is not a URI, empty description | `constraint` | the value |
/// | product id of an earlier line | `duplicate-id` | `$.id` |
/// | variant id repeated within the line or taken from an earlier line | `duplicate-id` | `$.variants[i].id` (the later one) |
///
/// The output is written in blocks of about 1 MiB and `out` is flushed at the end.
pub fn write_sample(
    out: &mut impl Write,
    options: &SampleOptions,
    mut on_fault: impl FnMut(&InjectedFault),
) -> io::Result<SampleSummary> {
    write_sample_with(out, options, |fault, _| on_fault(fault))
}

/// A `metadata.json` for a sample (`FeedMetadata`: an id derived from the seed, target country
/// `US`, a fixed update time), valid against the spec.
pub fn metadata(options: &SampleOptions) -> FeedMetadata {
    let mut rng = Rng::with_seed(options.seed ^ METADATA_STREAM);
    let mut id = String::from("feed_");
    for _ in 0..8 {
        id.push(ALPHANUMERIC[rng.usize(..ALPHANUMERIC.len())] as char);
    }
    FeedMetadata {
        id,
        target_country: Some("US".to_string()),
        updated_at: Some(
            acp_runtime::DateTime::parse("2026-04-17T00:00:00Z").expect("an RFC 3339 date-time"),
        ),
    }
}

/// Writes [`metadata`] as pretty-printed JSON followed by a newline.
pub fn write_metadata(out: &mut impl Write, options: &SampleOptions) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &metadata(options))?;
    out.write_all(b"\n")
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Seeds of the fault and metadata generators are the sample's seed mixed with these, so that
/// the product generator's sequence is the same whatever the fault rate.
const FAULT_STREAM: u64 = 0x9E37_79B9_7F4A_7C15;
const METADATA_STREAM: u64 = 0xC2B2_AE3D_27D4_EB4F;

/// Bytes gathered before handing them to `out` (one write per block, not per line).
const BLOCK: usize = 1 << 20;

/// How many earlier lines the duplicate-id faults can take ids from.
const SOURCES: usize = 16;

const ALPHANUMERIC: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The mistakes a faulty line can get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Fault {
    Truncated,
    TrailingComma,
    NotUtf8,
    RepeatedMember,
    WrongType,
    MissingVariantMember,
    MissingProductMember,
    UnknownMember,
    UnknownNestedMember,
    LowercaseCurrency,
    NegativeAmount,
    UrlNotUri,
    EmptyDescription,
    DuplicateProductId,
    DuplicateVariantInLine,
    DuplicateVariantEarlier,
}

impl Fault {
    const ALL: [Fault; 16] = [
        Fault::Truncated,
        Fault::TrailingComma,
        Fault::NotUtf8,
        Fault::RepeatedMember,
        Fault::WrongType,
        Fault::MissingVariantMember,
        Fault::MissingProductMember,
        Fault::UnknownMember,
        Fault::UnknownNestedMember,
        Fault::LowercaseCurrency,
        Fault::NegativeAmount,
        Fault::UrlNotUri,
        Fault::EmptyDescription,
        Fault::DuplicateProductId,
        Fault::DuplicateVariantInLine,
        Fault::DuplicateVariantEarlier,
    ];

    /// Takes an id of an earlier line (there must be one whose ids the validator registered).
    fn needs_source(self) -> bool {
        matches!(
            self,
            Fault::DuplicateProductId | Fault::DuplicateVariantEarlier
        )
    }

    /// The line still parses as a `Product`, so the validator registers its ids.
    fn parses(self) -> bool {
        matches!(
            self,
            Fault::LowercaseCurrency
                | Fault::NegativeAmount
                | Fault::UrlNotUri
                | Fault::EmptyDescription
                | Fault::DuplicateProductId
                | Fault::DuplicateVariantInLine
                | Fault::DuplicateVariantEarlier
        )
    }
}

/// Ids of recent lines whose ids the validator registers, reused by the duplicate-id faults.
/// The strings are overwritten in place, so remembering costs no allocation once full.
#[derive(Default)]
struct Sources {
    entries: Vec<(String, String)>,
    next: usize,
}

impl Sources {
    fn remember(&mut self, product: &Product) {
        let variant = product.variants.first().map_or("", |v| v.id.as_str());
        if self.entries.len() < SOURCES {
            self.entries.push((product.id.clone(), variant.to_string()));
        } else {
            let (p, v) = &mut self.entries[self.next];
            p.clear();
            p.push_str(&product.id);
            v.clear();
            v.push_str(variant);
        }
        self.next = (self.next + 1) % SOURCES;
    }

    fn pick(&self, rng: &mut Rng) -> &(String, String) {
        &self.entries[rng.usize(..self.entries.len())]
    }
}

fn write_sample_with(
    out: &mut impl Write,
    options: &SampleOptions,
    mut on_fault: impl FnMut(&InjectedFault, Fault),
) -> io::Result<SampleSummary> {
    let rate = if options.fault_rate.is_nan() {
        0.0
    } else {
        options.fault_rate.clamp(0.0, 1.0)
    };
    let mut catalog = Rng::with_seed(options.seed);
    let mut chooser = Rng::with_seed(options.seed ^ FAULT_STREAM);
    let mut block: Vec<u8> = Vec::with_capacity(BLOCK + (64 << 10));
    let mut scratch: Vec<u8> = Vec::new();
    let mut sources = Sources::default();
    let mut summary = SampleSummary::default();
    for line in 1..=options.count {
        let mut product = build_product(&mut catalog, line);
        let faulty = rate >= 1.0 || (rate > 0.0 && chooser.f64() < rate);
        if faulty {
            let fault = loop {
                let fault = Fault::ALL[chooser.usize(..Fault::ALL.len())];
                if !fault.needs_source() || !sources.entries.is_empty() {
                    break fault;
                }
            };
            let injected = inject(
                fault,
                &mut product,
                line,
                &mut chooser,
                &sources,
                &mut scratch,
            )?;
            block.extend_from_slice(&scratch);
            if fault.parses() {
                sources.remember(&product);
            }
            summary.faults += 1;
            on_fault(&injected, fault);
        } else {
            serde_json::to_writer(&mut block, &product)?;
            sources.remember(&product);
        }
        block.push(b'\n');
        summary.lines += 1;
        if block.len() >= BLOCK {
            out.write_all(&block)?;
            summary.bytes += block.len() as u64;
            block.clear();
        }
    }
    out.write_all(&block)?;
    summary.bytes += block.len() as u64;
    out.flush()?;
    Ok(summary)
}

/// Breaks `product` in the way `fault` says and writes the line (without its newline) to
/// `text`. Faults expressible on the typed value change it there; the others go through a
/// `serde_json::Value` or the bytes.
fn inject(
    fault: Fault,
    product: &mut Product,
    line: u64,
    rng: &mut Rng,
    sources: &Sources,
    text: &mut Vec<u8>,
) -> io::Result<InjectedFault> {
    let root = JsonPath::default;
    let variant_at = |i: usize| root().key("variants").index(i);
    let n = product.variants.len();
    let i = rng.usize(..n);
    text.clear();
    let (path, kind, what): (JsonPath, &'static str, String) = match fault {
        Fault::Truncated => {
            serde_json::to_writer(&mut *text, product)?;
            // Cut at a character boundary, or it would be an encoding problem instead.
            let mut cut = rng.usize(1..text.len() - 1);
            while std::str::from_utf8(&text[..cut]).is_err() {
                cut -= 1;
            }
            let total = text.len();
            text.truncate(cut);
            (
                root(),
                "syntax",
                format!("line cut after {cut} of {total} bytes"),
            )
        }
        Fault::TrailingComma => {
            serde_json::to_writer(&mut *text, product)?;
            // `…]}` closes the variants and the product: a comma before either.
            let at = if rng.bool() {
                text.len() - 1
            } else {
                text.len() - 2
            };
            text.insert(at, b',');
            let closing = if at == text.len() - 2 {
                "product"
            } else {
                "variants"
            };
            (
                root(),
                "syntax",
                format!("trailing comma before the closing bracket of the {closing}"),
            )
        }
        Fault::NotUtf8 => {
            // A title exported as Latin-1: `Édition limitée`, 0xC9 and 0xE9 being broken
            // sequences in UTF-8.
            serde_json::to_writer(&mut *text, product)?;
            let at = find(text, b"\"title\":\"").expect("products have a title") + 9;
            text.splice(at..at, *b"\xC9dition limit\xE9e - ");
            (
                root(),
                "encoding",
                "Latin-1 bytes in the product title".to_string(),
            )
        }
        Fault::RepeatedMember => {
            // A member written twice, the first time before the original: the product's `id`
            // or a variant's `title`.
            serde_json::to_writer(&mut *text, product)?;
            let (at, member, value) = if rng.bool() {
                (root(), "id", format!("{}-old", product.id))
            } else {
                let variant = &product.variants[i];
                (variant_at(i), "title", variant.title.to_uppercase())
            };
            // Right after the opening brace of the object.
            let start = if at.0.is_empty() {
                1
            } else {
                let opening = format!("{{\"id\":\"{}\",", product.variants[i].id);
                find(text, opening.as_bytes()).expect("the variant is in the line") + 1
            };
            let repeated = serde_json::to_string(&serde_json::json!({ member: value }))?;
            // `{"m":"v"}` without its braces, plus a comma.
            let mut bytes = repeated.as_bytes()[1..repeated.len() - 1].to_vec();
            bytes.push(b',');
            text.splice(start..start, bytes);
            (at.key(member), "shape", format!("`{member}` written twice"))
        }
        Fault::WrongType => {
            let mut value = serde_json::to_value(&*product)?;
            let variant = &mut value["variants"][i];
            let (at, what) = match rng.usize(..3) {
                0 if variant.get("barcodes").is_some() => {
                    let barcode = &mut variant["barcodes"][0]["value"];
                    let digits: u64 = barcode.as_str().unwrap_or("0").parse().unwrap_or(0);
                    *barcode = Value::from(digits);
                    (
                        variant_at(i).key("barcodes").index(0).key("value"),
                        "barcode value as a number",
                    )
                }
                1 if variant.get("availability").is_some() => {
                    let available = &mut variant["availability"]["available"];
                    let flag = available.as_bool().unwrap_or(true);
                    *available = Value::from(flag.to_string());
                    (
                        variant_at(i).key("availability").key("available"),
                        "`available` as a string",
                    )
                }
                _ => {
                    let amount = &mut variant["price"]["amount"];
                    let minor = amount.as_i64().unwrap_or(0);
                    *amount = Value::from(format!("{}.{:02}", minor / 100, minor % 100));
                    (
                        variant_at(i).key("price").key("amount"),
                        "price amount as a decimal string",
                    )
                }
            };
            serde_json::to_writer(&mut *text, &value)?;
            (at, "type", what.to_string())
        }
        Fault::MissingVariantMember => {
            let mut value = serde_json::to_value(&*product)?;
            let variant = &mut value["variants"][i];
            let at = if rng.bool() {
                remove(variant, "title");
                (variant_at(i), "the variant's `title` left out")
            } else {
                remove(&mut variant["price"], "currency");
                (
                    variant_at(i).key("price"),
                    "the price's `currency` left out",
                )
            };
            serde_json::to_writer(&mut *text, &value)?;
            (at.0, "missing", at.1.to_string())
        }
        Fault::MissingProductMember => {
            let mut value = serde_json::to_value(&*product)?;
            let member = if rng.usize(..3) == 0 {
                "id"
            } else {
                "variants"
            };
            remove(&mut value, member);
            serde_json::to_writer(&mut *text, &value)?;
            (
                root(),
                "missing",
                format!("the product's `{member}` left out"),
            )
        }
        Fault::UnknownMember => {
            let mut value = serde_json::to_value(&*product)?;
            let (member, extra) = match rng.usize(..4) {
                0 => ("brand", Value::from(product_brand(product))),
                1 => ("colour", Value::from("Red")),
                2 => ("google_product_category", Value::from(166)),
                _ => ("link", Value::from(product.url.clone().unwrap_or_default())),
            };
            insert(&mut value, member, extra);
            serde_json::to_writer(&mut *text, &value)?;
            (
                root().key(member),
                "unknown",
                format!("member `{member}` the feed does not define"),
            )
        }
        Fault::UnknownNestedMember => {
            let mut value = serde_json::to_value(&*product)?;
            let variant = &mut value["variants"][i];
            let at = match rng.usize(..3) {
                0 => {
                    insert(variant, "inventory_quantity", Value::from(rng.u32(0..500)));
                    variant_at(i).key("inventory_quantity")
                }
                1 => {
                    let price = &mut variant["price"];
                    let amount = price["amount"].as_i64().unwrap_or(0);
                    insert(price, "sale_amount", Value::from(amount * 8 / 10));
                    variant_at(i).key("price").key("sale_amount")
                }
                _ if variant.get("availability").is_some() => {
                    insert(&mut variant["availability"], "in_stock", Value::from(true));
                    variant_at(i).key("availability").key("in_stock")
                }
                _ => {
                    insert(variant, "gtin", Value::from("00012345600012"));
                    variant_at(i).key("gtin")
                }
            };
            serde_json::to_writer(&mut *text, &value)?;
            let member = match at.0.last() {
                Some(acp_runtime::PathSegment::Key(key)) => key.clone(),
                _ => String::new(),
            };
            (
                at,
                "unknown",
                format!("member `{member}` the feed does not define"),
            )
        }
        Fault::LowercaseCurrency => {
            let variant = &mut product.variants[i];
            let (price, at) = match &mut variant.list_price {
                Some(list) if rng.bool() => (list, variant_at(i).key("list_price")),
                _ => (
                    variant.price.as_mut().expect("every variant has a price"),
                    variant_at(i).key("price"),
                ),
            };
            price.currency.make_ascii_lowercase();
            let what = format!("currency `{}` in lowercase", price.currency);
            serde_json::to_writer(&mut *text, product)?;
            (at.key("currency"), "constraint", what)
        }
        Fault::NegativeAmount => {
            let price = product.variants[i]
                .price
                .as_mut()
                .expect("every variant has a price");
            price.amount = -price.amount.max(1);
            let what = format!("negative price amount {}", price.amount);
            serde_json::to_writer(&mut *text, product)?;
            (variant_at(i).key("price").key("amount"), "constraint", what)
        }
        Fault::UrlNotUri => {
            let slug = slug(product.title.as_deref().unwrap_or("product"));
            let domain = product
                .url
                .as_deref()
                .and_then(|url| url.strip_prefix("https://"))
                .and_then(|rest| rest.split('/').next())
                .unwrap_or("merchant.example")
                .to_string();
            let bad = match rng.usize(..3) {
                0 => format!("www.{domain}/products/{slug}"),
                1 => format!("/products/{slug}"),
                _ => format!(
                    "https://{domain}/products/{}",
                    product.title.as_deref().unwrap_or("product")
                ),
            };
            let what = format!("URL `{bad}` that is not a URI");
            let at = match rng.usize(..3) {
                0 => {
                    product.url = Some(bad);
                    root().key("url")
                }
                1 if product.media.as_ref().is_some_and(|m| !m.is_empty()) => {
                    product.media.as_mut().expect("checked")[0].url = bad;
                    root().key("media").index(0).key("url")
                }
                _ => {
                    product.variants[i].url = Some(bad);
                    variant_at(i).key("url")
                }
            };
            serde_json::to_writer(&mut *text, product)?;
            (at, "constraint", what)
        }
        Fault::EmptyDescription => {
            let empty = Description {
                plain: None,
                html: None,
                markdown: None,
            };
            let at = if rng.bool() {
                product.description = Some(empty);
                root().key("description")
            } else {
                product.variants[i].description = Some(empty);
                variant_at(i).key("description")
            };
            serde_json::to_writer(&mut *text, product)?;
            (at, "constraint", "empty description object".to_string())
        }
        Fault::DuplicateProductId => {
            product.id.clone_from(&sources.pick(rng).0);
            let what = format!("product id `{}` of an earlier line", product.id);
            serde_json::to_writer(&mut *text, product)?;
            (root().key("id"), "duplicate-id", what)
        }
        Fault::DuplicateVariantInLine => {
            let j = if n >= 2 {
                let j = rng.usize(1..n);
                product.variants[j].id = product.variants[0].id.clone();
                j
            } else {
                // A second variant, the same SKU listed again with another title.
                let mut again = product.variants[0].clone();
                again.title.push_str(" (2)");
                product.variants.push(again);
                1
            };
            let what = format!(
                "variant id `{}` repeated in the line",
                product.variants[j].id
            );
            serde_json::to_writer(&mut *text, product)?;
            (variant_at(j).key("id"), "duplicate-id", what)
        }
        Fault::DuplicateVariantEarlier => {
            product.variants[i].id.clone_from(&sources.pick(rng).1);
            let what = format!("variant id `{}` of an earlier line", product.variants[i].id);
            serde_json::to_writer(&mut *text, product)?;
            (variant_at(i).key("id"), "duplicate-id", what)
        }
    };
    Ok(InjectedFault {
        line,
        path: path.to_string(),
        kind,
        fault: what,
    })
}

fn remove(value: &mut Value, key: &str) {
    if let Some(map) = value.as_object_mut() {
        map.shift_remove(key);
    }
}

fn insert(value: &mut Value, key: &str, member: Value) {
    if let Some(map) = value.as_object_mut() {
        map.insert(key.to_string(), member);
    }
}

fn find(text: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(text, needle)
}

fn product_brand(product: &Product) -> String {
    product
        .variants
        .iter()
        .find_map(|v| v.seller.as_ref()?.name.clone())
        .unwrap_or_else(|| "Northwind".to_string())
}

// ---------------------------------------------------------------------------------------------
// Products
// ---------------------------------------------------------------------------------------------

/// A kind of goods: the words and numbers its products are made of.
struct Vertical {
    adjectives: &'static [&'static str],
    nouns: &'static [&'static str],
    materials: &'static [&'static str],
    blurbs: &'static [&'static str],
    details: &'static [&'static str],
    /// Google product taxonomy path and a merchant path.
    categories: &'static [(&'static str, &'static str)],
    /// Option dimensions: the first one always varies across variants when there is no second.
    options: &'static [(&'static str, &'static [&'static str])],
    /// For goods sold by measure: the measure of each value of the first option, and the
    /// reference measure of the unit price.
    measures: Option<(&'static [f64], &'static str, i64)>,
    /// Whole currency units of the base price.
    price: (i64, i64),
    conditions: &'static [&'static str],
}

const COLORS: &[&str] = &[
    "Red",
    "Navy",
    "Heather Grey",
    "Black",
    "White",
    "Olive",
    "Oatmeal",
    "Forest Green",
    "Dusty Rose",
];
const SIZES: &[&str] = &["XS", "S", "M", "L", "XL", "XXL"];

const VERTICALS: &[Vertical] = &[
    Vertical {
        adjectives: &[
            "Classic",
            "Everyday",
            "Heavyweight",
            "Relaxed",
            "Slim-Fit",
            "Vintage-Wash",
            "Organic",
            "Merino",
        ],
        nouns: &[
            "Tee",
            "Crewneck Sweater",
            "Hoodie",
            "Oxford Shirt",
            "Linen Shirt",
            "Polo",
            "Cardigan",
            "Henley",
        ],
        materials: &[
            "100% organic cotton",
            "a cotton–linen blend",
            "fine merino wool",
            "recycled polyester fleece",
            "Supima® cotton jersey",
        ],
        blurbs: &[
            "Cut for an easy, relaxed fit that layers well.",
            "Pre-shrunk and garment-dyed for a soft, lived-in feel.",
            "Finished with reinforced seams and a tagless neck.",
        ],
        details: &[
            "Machine wash cold, tumble dry low",
            "Model is 6'1\" and wears size M",
            "Ethically made in Portugal",
            "Ribbed cuffs and hem",
        ],
        categories: &[
            (
                "Apparel & Accessories > Clothing > Shirts & Tops",
                "Men > Tops",
            ),
            (
                "Apparel & Accessories > Clothing > Activewear > Sweatshirts",
                "Women > Sweaters & Knits",
            ),
        ],
        options: &[("Color", COLORS), ("Size", SIZES)],
        measures: None,
        price: (15, 98),
        conditions: &["new"],
    },
    Vertical {
        adjectives: &[
            "Lightweight",
            "Waterproof",
            "Leather",
            "Canvas",
            "All-Terrain",
            "Cushioned",
        ],
        nouns: &[
            "Sneaker",
            "Trail Runner",
            "Chelsea Boot",
            "Loafer",
            "Slip-On",
            "Hiking Boot",
        ],
        materials: &[
            "full-grain leather",
            "recycled canvas",
            "breathable engineered mesh",
            "suede with a rubber cupsole",
        ],
        blurbs: &[
            "A grippy outsole keeps you sure-footed on wet pavement.",
            "Break-in time is minimal thanks to the padded collar.",
            "The removable insole leaves room for orthotics.",
        ],
        details: &[
            "True to size; half sizes go up",
            "Vibram® outsole",
            "Weight: 310 g per shoe",
            "Resoleable Goodyear welt",
        ],
        categories: &[
            ("Apparel & Accessories > Shoes", "Footwear > Sneakers"),
            ("Apparel & Accessories > Shoes > Boots", "Footwear > Boots"),
        ],
        options: &[
            ("Color", &["Black", "Tan", "White", "Slate", "Olive"]),
            (
                "Size",
                &["7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "12"],
            ),
        ],
        measures: None,
        price: (55, 220),
        conditions: &["new"],
    },
    Vertical {
        adjectives: &[
            "Chunky-Knit",
            "Stonewashed",
            "Handmade",
            "Minimalist",
            "Scandinavian",
            "Rattan",
        ],
        nouns: &[
            "Throw Blanket",
            "Duvet Cover",
            "Ceramic Vase",
            "Table Lamp",
            "Bath Towel Set",
            "Linen Napkins (Set of 4)",
        ],
        materials: &[
            "stonewashed French linen",
            "hand-glazed stoneware",
            "GOTS-certified cotton",
            "natural rattan",
        ],
        blurbs: &[
            "Every piece varies slightly, so yours is one of a kind.",
            "Adds warmth and texture to a bedroom or living room.",
            "Gets softer with every wash.",
        ],
        details: &[
            "Dimensions: 130 × 170 cm",
            "Wash at 40 °C",
            "Oeko-Tex® Standard 100",
            "Ships in plastic-free packaging",
        ],
        categories: &[
            ("Home & Garden > Linens & Bedding", "Home > Bedding"),
            ("Home & Garden > Decor > Vases", "Home > Decor"),
        ],
        options: &[
            (
                "Color",
                &["Sand", "Charcoal", "Sage", "Terracotta", "Ivory"],
            ),
            ("Size", &["Small", "Medium", "Large", "Extra Large"]),
        ],
        measures: None,
        price: (24, 240),
        conditions: &["new"],
    },
    Vertical {
        adjectives: &[
            "Professional",
            "Pre-Seasoned",
            "Nonstick",
            "Japanese",
            "Enameled",
        ],
        nouns: &[
            "Chef's Knife",
            "Cast-Iron Skillet",
            "Pour-Over Coffee Maker",
            "Mixing Bowl Set",
            "Cutting Board",
            "Dutch Oven",
        ],
        materials: &[
            "high-carbon German steel",
            "cast iron",
            "end-grain walnut",
            "borosilicate glass",
        ],
        blurbs: &[
            "Holds heat evenly from searing to slow braising.",
            "Balanced for long prep sessions without fatigue.",
            "Dishwasher safe, though hand washing keeps it like new.",
        ],
        details: &[
            "Oven safe to 260 °C",
            "Lifetime warranty",
            "Works on induction, gas & electric",
            "Includes a beechwood sheath",
        ],
        categories: &[
            (
                "Home & Garden > Kitchen & Dining > Cookware & Bakeware",
                "Kitchen > Cookware",
            ),
            (
                "Home & Garden > Kitchen & Dining > Kitchen Tools & Utensils",
                "Kitchen > Tools",
            ),
        ],
        options: &[
            ("Size", &["8\"", "10\"", "12\"", "14\""]),
            ("Finish", &["Black", "Stainless", "Walnut", "Matte White"]),
        ],
        measures: None,
        price: (19, 180),
        conditions: &["new"],
    },
    Vertical {
        adjectives: &[
            "Vitamin C",
            "Fragrance-Free",
            "Lavender",
            "Rose & Oud",
            "Sensitive-Skin",
            "Crème",
        ],
        nouns: &[
            "Face Serum",
            "Hydrating Shampoo",
            "Body Lotion",
            "Hand Cream",
            "Sunscreen SPF 50",
            "Cleansing Oil",
        ],
        materials: &[
            "cold-pressed jojoba oil",
            "hyaluronic acid and niacinamide",
            "shea butter and squalane",
            "aloe vera and green tea extract",
        ],
        blurbs: &[
            "Absorbs quickly without leaving a greasy finish.",
            "Dermatologist tested and suitable for daily use.",
            "Vegan, cruelty-free and free of parabens.",
        ],
        details: &[
            "Patch test before first use",
            "Recyclable glass bottle",
            "Made in small batches in Grasse",
            "Store below 25 °C",
        ],
        categories: &[(
            "Health & Beauty > Personal Care > Cosmetics > Skin Care",
            "Beauty > Skin Care",
        )],
        options: &[("Size", &["30 ml", "50 ml", "100 ml", "250 ml", "500 ml"])],
        measures: Some((&[30.0, 50.0, 100.0, 250.0, 500.0], "ml", 100)),
        price: (9, 68),
        conditions: &["new"],
    },
    Vertical {
        adjectives: &[
            "Single-Origin",
            "Organic",
            "Small-Batch",
            "Cold-Pressed",
            "Fair Trade",
            "Café",
        ],
        nouns: &[
            "Whole Bean Coffee",
            "Extra Virgin Olive Oil",
            "Granola",
            "Dark Chocolate",
            "Loose-Leaf Green Tea",
            "Raw Honey",
        ],
        materials: &[
            "beans roasted to order",
            "hand-picked Koroneiki olives",
            "oats, almonds and maple syrup",
            "70% cacao from Ecuador",
        ],
        blurbs: &[
            "Tasting notes of stone fruit, cocoa and toasted nuts.",
            "Packed within days of harvest for peak freshness.",
            "Sourced directly from growers we have worked with for years.",
        ],
        details: &[
            "Best before: 12 months from packing",
            "Contains: tree nuts",
            "Store in a cool, dry place",
            "Resealable kraft bag",
        ],
        categories: &[
            (
                "Food, Beverages & Tobacco > Beverages > Coffee",
                "Pantry > Coffee & Tea",
            ),
            ("Food, Beverages & Tobacco > Food Items", "Pantry > Staples"),
        ],
        options: &[("Size", &["250 g", "500 g", "1 kg", "2.5 kg"])],
        measures: Some((&[250.0, 500.0, 1000.0, 2500.0], "g", 100)),
        price: (7, 42),
        conditions: &["new"],
    },
    Vertical {
        adjectives: &[
            "Noise-Cancelling",
            "Compact",
            "65 W",
            "Portable",
            "Low-Profile",
            "Wireless",
        ],
        nouns: &[
            "Earbuds",
            "USB-C Charger",
            "Bluetooth Speaker",
            "Laptop Sleeve 15\"",
            "Mechanical Keyboard",
            "Smart Plug (2-Pack)",
        ],
        materials: &[
            "an aluminium housing",
            "recycled ABS plastic",
            "water-resistant neoprene",
            "a braided nylon cable",
        ],
        blurbs: &[
            "Up to 30 hours of battery life on a single charge.",
            "Pairs instantly with phones, tablets and laptops.",
            "Backed by a two-year limited warranty.",
        ],
        details: &[
            "Bluetooth 5.3",
            "IPX4 splash resistant",
            "USB-C cable included",
            "Works with iOS & Android",
        ],
        categories: &[(
            "Electronics > Audio > Audio Components > Headphones & Headsets",
            "Tech > Audio",
        )],
        options: &[
            (
                "Color",
                &["Black", "White", "Midnight Blue", "Graphite", "Sage"],
            ),
            ("Edition", &["Standard", "Pro", "Max", "Lite"]),
        ],
        measures: None,
        price: (19, 349),
        conditions: &["new", "new", "new", "refurbished"],
    },
];

struct Merchant {
    name: &'static str,
    domain: &'static str,
}

const MERCHANTS: &[Merchant] = &[
    Merchant {
        name: "Northwind Outfitters",
        domain: "northwind.example",
    },
    Merchant {
        name: "Harbor & Pine",
        domain: "harborandpine.example",
    },
    Merchant {
        name: "Maison Lumière",
        domain: "maison-lumiere.example",
    },
    Merchant {
        name: "Acme Home Goods",
        domain: "acmehome.example",
    },
    Merchant {
        name: "Tidewater Trading Co.",
        domain: "tidewater.example",
    },
    Merchant {
        name: "Blue Ridge Provisions",
        domain: "blueridge.example",
    },
];

const CURRENCIES: &[&str] = &[
    "USD", "USD", "USD", "USD", "USD", "USD", "EUR", "EUR", "GBP", "CAD", "AUD",
];

/// Fulfillment status and whether it is purchasable, weighted by repetition.
const STATUSES: &[(&str, bool)] = &[
    ("in_stock", true),
    ("in_stock", true),
    ("in_stock", true),
    ("in_stock", true),
    ("in_stock", true),
    ("in_stock", true),
    ("in_stock", true),
    ("limited_stock", true),
    ("backorder", true),
    ("preorder", true),
    ("out_of_stock", false),
    ("discontinued", false),
];

const GENERIC: &[&str] = &[
    "Designed to last, with details that hold up to everyday use.",
    "Free returns within 30 days.",
    "A customer favourite since our first season.",
    "Thoughtfully made with a smaller footprint.",
];

/// True with probability `tenths / 10`.
fn chance(rng: &mut Rng, tenths: u8) -> bool {
    rng.u8(..10) < tenths
}

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

/// `n` in base 36, the line-unique part of every id.
fn base36(mut n: u64) -> String {
    let mut digits = Vec::with_capacity(13);
    loop {
        digits.push(ALPHANUMERIC[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    String::from_utf8(digits).expect("ASCII digits")
}

fn slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// A GTIN-14 with a valid check digit.
fn gtin(rng: &mut Rng) -> String {
    let mut digits = [0u8; 14];
    digits[0] = 0;
    for d in &mut digits[1..13] {
        *d = rng.u8(0..10);
    }
    let sum: u32 = digits[..13]
        .iter()
        .enumerate()
        .map(|(i, &d)| u32::from(d) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    digits[13] = ((10 - sum % 10) % 10) as u8;
    digits.iter().map(|&d| char::from(b'0' + d)).collect()
}

/// A price in minor units ending in .99, .95 or .00.
fn price_amount(rng: &mut Rng, units: i64) -> i64 {
    units * 100 - *pick(rng, &[1, 1, 1, 5, 0])
}

fn price(amount: i64, currency: &str) -> Price {
    Price {
        amount,
        currency: currency.to_string(),
    }
}

/// Product `line` of the catalog. Its id and its variants' ids contain `line` in base 36, so
/// they are unique in the file.
fn build_product(rng: &mut Rng, line: u64) -> Product {
    let vertical = pick(rng, VERTICALS);
    let merchant = pick(rng, MERCHANTS);
    let currency = *pick(rng, CURRENCIES);
    let adjective = *pick(rng, vertical.adjectives);
    let noun_index = rng.usize(..vertical.nouns.len());
    let noun = vertical.nouns[noun_index];
    let title = format!("{adjective} {noun}");
    let slug = slug(&title);
    let key = base36(line);
    let mut id = format!("prod_{key}_");
    for _ in 0..4 {
        id.push(ALPHANUMERIC[rng.usize(..ALPHANUMERIC.len())] as char);
    }
    let url = format!("https://{}/products/{slug}", merchant.domain);
    let material = *pick(rng, vertical.materials);

    let variant_count = *pick(
        rng,
        &[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 4],
    );
    let description = chance(rng, 9).then(|| Description {
        plain: Some(if variant_count == 1 && rng.bool() {
            format!(
                "{title} in {material}. {} {}",
                pick(rng, vertical.blurbs),
                pick(rng, GENERIC)
            )
        } else {
            format!("{title} in {material}. {}", pick(rng, vertical.blurbs))
        }),
        html: (variant_count <= 2 && rng.usize(..5) == 0).then(|| {
            let (first, second) = (*pick(rng, vertical.details), *pick(rng, vertical.details));
            format!(
                "<p>{} in {}.</p><ul><li>{}</li><li>{}</li></ul>",
                html_escape(&title),
                html_escape(material),
                html_escape(first),
                html_escape(second)
            )
        }),
        markdown: (variant_count <= 2 && rng.usize(..8) == 0).then(|| {
            format!(
                "**{title}**\n\n{}\n\n- {}\n- {}",
                pick(rng, vertical.blurbs),
                pick(rng, vertical.details),
                pick(rng, vertical.details)
            )
        }),
    });
    let cdn = format!("https://cdn.{}/p/{key}", merchant.domain);
    let images = if variant_count == 1 && chance(rng, 2) {
        2
    } else {
        1
    };
    let sized = chance(rng, 3);
    let mut media: Vec<Media> = (0..images)
        .map(|n| Media {
            r#type: "image".to_string(),
            url: format!("{cdn}/{slug}-{}.jpg", n + 1),
            alt_text: Some(match n {
                0 => format!("{title} front view"),
                1 => format!("{title} detail"),
                _ => format!("{title} lifestyle"),
            }),
            width: sized.then_some(2048),
            height: sized.then_some(2048),
        })
        .collect();
    if variant_count == 1 && rng.usize(..8) == 0 {
        media.push(Media {
            r#type: "video".to_string(),
            url: format!("{cdn}/{slug}.mp4"),
            alt_text: None,
            width: Some(1920),
            height: Some(1080),
        });
    }

    // Variants differ in the last option dimension, and sometimes in the first as well.
    let (first_name, first_values) = vertical.options[0];
    let second = vertical.options.get(1).copied();
    let start_first = rng.usize(..first_values.len());
    let start_second = second.map_or(0, |(_, values)| rng.usize(..values.len()));
    let vary_first = second.is_none() || rng.bool();
    let base_units = rng.i64(vertical.price.0..=vertical.price.1);
    let on_sale = rng.usize(..4) == 0;
    let seller = chance(rng, 6).then(|| seller(rng, merchant));
    let marketplace = (rng.usize(..12) == 0).then(|| Seller {
        name: Some("Example Marketplace".to_string()),
        links: None,
    });
    let category = vertical.categories[noun_index % vertical.categories.len()];
    // A single variant carries the product's details; with several, most are left to the
    // first variant so that lines stay around a kilobyte.
    let rich = variant_count == 1;
    let variants = (0..variant_count)
        .map(|j| {
            let first_index = if vary_first {
                (start_first + j) % first_values.len()
            } else {
                start_first
            };
            let first_value = first_values[first_index];
            let mut options = vec![VariantOption {
                name: first_name.to_string(),
                value: first_value.to_string(),
            }];
            let mut label = first_value.to_string();
            if let Some((name, values)) = second {
                let value = values[(start_second + j) % values.len()];
                options.push(VariantOption {
                    name: name.to_string(),
                    value: value.to_string(),
                });
                label = format!("{label} / {value}");
            }
            let id = format!("sku-{key}-{}-{}", j + 1, slug_of(&options));
            // Goods sold by measure cost more per pack and less per unit as the pack grows.
            let units = match vertical.measures {
                Some((measures, _, _)) => {
                    let ratio = measures[first_index % measures.len()] / measures[0];
                    (base_units as f64 * ratio.powf(0.8)).round() as i64
                }
                None => base_units,
            };
            let amount = price_amount(rng, units.max(1));
            let status = *pick(rng, STATUSES);
            let unit_price = vertical.measures.map(|(measures, unit, reference)| {
                let measure = measures[first_index % measures.len()];
                UnitPrice {
                    amount: (amount as f64 * reference as f64 / measure).round() as i64,
                    currency: currency.to_string(),
                    measure: Measure {
                        value: serde_json::Number::from_f64(measure).expect("a finite measure"),
                        unit: unit.to_string(),
                    },
                    reference: ReferenceMeasure {
                        value: reference,
                        unit: unit.to_string(),
                    },
                }
            });
            let lead = rich || j == 0;
            Variant {
                title: format!("{title} - {label}"),
                description: (rich && chance(rng, 2)).then(|| Description {
                    plain: Some(format!(
                        "{title} in {}, {}. {}",
                        label.to_lowercase(),
                        material,
                        pick(rng, vertical.details)
                    )),
                    html: None,
                    markdown: None,
                }),
                url: chance(
                    rng,
                    if rich {
                        8
                    } else if variant_count == 2 {
                        4
                    } else {
                        2
                    },
                )
                .then(|| format!("{url}?variant={id}")),
                barcodes: chance(rng, if rich { 8 } else { 5 }).then(|| {
                    vec![Barcode {
                        r#type: "GTIN".to_string(),
                        value: gtin(rng),
                    }]
                }),
                price: Some(price(amount, currency)),
                list_price: on_sale.then(|| {
                    let list_units = (units * rng.i64(115..=150) / 100).max(units + 1);
                    price(price_amount(rng, list_units), currency)
                }),
                unit_price,
                availability: (rng.usize(..20) != 0).then(|| Availability {
                    available: Some(status.1),
                    status: Some(status.0.to_string()),
                }),
                categories: chance(
                    rng,
                    if rich {
                        6
                    } else if j == 0 {
                        4
                    } else {
                        0
                    },
                )
                .then(|| {
                    let mut list = vec![Category {
                        value: category.0.to_string(),
                        taxonomy: Some("google_product_category".to_string()),
                    }];
                    if rich && chance(rng, 3) {
                        list.push(Category {
                            value: category.1.to_string(),
                            taxonomy: Some("merchant".to_string()),
                        });
                    }
                    list
                }),
                condition: chance(rng, if lead { 6 } else { 2 })
                    .then(|| vec![pick(rng, vertical.conditions).to_string()]),
                variant_options: Some(options),
                media: chance(rng, if rich { 3 } else { 1 }).then(|| {
                    vec![Media {
                        r#type: "image".to_string(),
                        url: format!("{cdn}/{id}.jpg"),
                        alt_text: Some(format!("{title} in {label}")),
                        width: None,
                        height: None,
                    }]
                }),
                seller: seller.clone().filter(|_| lead).map(|mut s| {
                    if variant_count > 2 {
                        s.links = None;
                    }
                    s
                }),
                marketplace: marketplace.clone().filter(|_| lead),
                id,
            }
        })
        .collect();
    Product {
        id,
        title: Some(title),
        description,
        url: Some(url),
        media: Some(media),
        variants,
    }
}

fn slug_of(options: &[VariantOption]) -> String {
    let mut slug_text = String::new();
    for option in options {
        if !slug_text.is_empty() {
            slug_text.push(' ');
        }
        slug_text.push_str(&option.value);
    }
    slug(&slug_text)
}

fn seller(rng: &mut Rng, merchant: &Merchant) -> Seller {
    let links = chance(rng, 3).then(|| {
        let mut links = vec![Link {
            r#type: "refund_policy".to_string(),
            title: Some("Refund Policy".to_string()),
            url: format!("https://{}/policies/refunds", merchant.domain),
        }];
        if rng.bool() {
            links.push(Link {
                r#type: "shipping_policy".to_string(),
                title: Some("Shipping Policy".to_string()),
                url: format!("https://{}/policies/shipping", merchant.domain),
            });
        }
        links
    });
    Seller {
        name: Some(merchant.name.to_string()),
        links,
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use acp_runtime::jsonl::{self, Flow, Options, Problem};

    use super::*;

    fn sample(
        count: u64,
        seed: u64,
        fault_rate: f64,
    ) -> (Vec<u8>, Vec<(InjectedFault, Fault)>, SampleSummary) {
        let mut out = Vec::new();
        let mut faults = Vec::new();
        let options = SampleOptions {
            count,
            seed,
            fault_rate,
        };
        let summary = write_sample_with(&mut out, &options, |fault, which| {
            faults.push((fault.clone(), which))
        })
        .unwrap();
        (out, faults, summary)
    }

    fn validate(bytes: &[u8], jobs: usize) -> (Vec<Problem>, jsonl::Summary) {
        let mut problems = Vec::new();
        let options = Options {
            jobs,
            chunk_bytes: 64 << 10,
            ..Options::default()
        };
        // As `feed validate` reads lines: the borrowed view, its id checks.
        let summary = jsonl::validate::<crate::feed::models::sampled::borrowed::Product>(
            bytes,
            &options,
            &crate::feed::validate::product_ids(),
            |problem| {
                problems.push(problem);
                Flow::Continue
            },
        )
        .unwrap();
        (problems, summary)
    }

    /// The spec's feed JSON Schema with a reference to `$defs/{name}` at its root, compiled
    /// by the `jsonschema` crate (formats checked, as `acp-codegen lint` does).
    fn spec_schema(name: &str) -> jsonschema::Validator {
        let root = acp_specs::resolve_spec_root(None).unwrap_or_else(|e| panic!("{e}"));
        let path = root.join(format!(
            "spec/{}/json-schema/schema.feed.json",
            crate::feed::models::SAMPLED_VERSION
        ));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let mut schema: Value = serde_json::from_str(&text).unwrap();
        assert!(
            schema["$defs"][name].is_object(),
            "{path:?} has no $defs/{name}"
        );
        schema["$ref"] = Value::from(format!("#/$defs/{name}"));
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|e| panic!("{path:?}: {e}"))
    }

    fn lines(bytes: &[u8]) -> Vec<&[u8]> {
        assert_eq!(bytes.last(), Some(&b'\n'));
        bytes[..bytes.len() - 1].split(|&b| b == b'\n').collect()
    }

    fn percentile(sorted: &[usize], p: usize) -> usize {
        sorted[(sorted.len() - 1) * p / 100]
    }

    #[test]
    fn a_sample_without_faults_is_valid_with_unique_ids_and_varied() {
        let count = 3000;
        let (bytes, faults, summary) = sample(count, 7, 0.0);
        assert!(faults.is_empty());
        let expected_summary = SampleSummary {
            lines: count,
            bytes: bytes.len() as u64,
            faults: 0,
        };
        assert_eq!(summary, expected_summary);
        for jobs in [1, 4] {
            let (problems, report) = validate(&bytes, jobs);
            assert!(
                problems.is_empty(),
                "jobs {jobs}: {:#?}",
                &problems[..problems.len().min(5)]
            );
            assert_eq!(
                (report.lines, report.valid, report.blank),
                (count, count, 0)
            );
            assert_eq!(report.bytes, bytes.len() as u64);
        }

        // Independently of the validator's hashing: every id is unique.
        let mut products = HashSet::new();
        let mut variants = HashSet::new();
        let mut sizes = Vec::new();
        let mut variant_counts = BTreeMap::new();
        let mut seen = BTreeMap::<&str, usize>::new();
        for line in lines(&bytes) {
            assert!(!line.is_empty() && !line.contains(&b'\r'));
            sizes.push(line.len() + 1);
            let value: Value = serde_json::from_slice(line).unwrap();
            assert!(products.insert(value["id"].as_str().unwrap().to_string()));
            let list = value["variants"].as_array().unwrap();
            *variant_counts.entry(list.len()).or_insert(0) += 1;
            for variant in list {
                assert!(variants.insert(variant["id"].as_str().unwrap().to_string()));
                for member in ["list_price", "unit_price", "seller", "categories", "media"] {
                    if variant.get(member).is_some() {
                        *seen.entry(member).or_default() += 1;
                    }
                }
                assert!(variant["price"]["amount"].as_i64().unwrap() >= 0);
            }
            for member in ["html", "markdown", "plain"] {
                if value["description"].get(member).is_some() {
                    *seen.entry(member).or_default() += 1;
                }
            }
            let text = std::str::from_utf8(line).unwrap();
            if !text.is_ascii() {
                *seen.entry("non-ASCII").or_default() += 1;
            }
            if text.contains("\\\"") {
                *seen.entry("escaped quote").or_default() += 1;
            }
        }
        assert_eq!(products.len() as u64, count);
        assert_eq!(
            variant_counts.keys().copied().collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        for feature in [
            "list_price",
            "unit_price",
            "seller",
            "categories",
            "media",
            "html",
            "markdown",
            "plain",
            "non-ASCII",
            "escaped quote",
        ] {
            assert!(
                seen.get(feature).copied().unwrap_or(0) >= 30,
                "{feature}: {seen:?}"
            );
        }
        sizes.sort_unstable();
        let mean = sizes.iter().sum::<usize>() / sizes.len();
        let (p10, p90) = (percentile(&sizes, 10), percentile(&sizes, 90));
        assert!(
            (1000..=1400).contains(&mean) && p10 >= 800 && p90 <= 1800,
            "line bytes: mean {mean}, p10 {p10}, p90 {p90}"
        );
    }

    #[test]
    fn the_problems_reported_are_exactly_the_injected_faults() {
        let mut kinds_seen = HashSet::new();
        let mut total = 0;
        for seed in 1..=6 {
            let count = 2500;
            let (bytes, faults, summary) = sample(count, seed, 0.05);
            assert_eq!(summary.faults, faults.len() as u64);
            // About 5 % of the lines (125 expected; far outside this is a broken chooser).
            assert!(
                (70..=190).contains(&faults.len()),
                "seed {seed}: {}",
                faults.len()
            );
            let expected: Vec<(u64, String, &str)> = faults
                .iter()
                .map(|(f, _)| (f.line, f.path.clone(), f.kind))
                .collect();
            let (problems, report) = validate(&bytes, 3);
            let found: Vec<(u64, String, &str)> = problems
                .iter()
                .map(|p| (p.line, p.path.to_string(), p.kind.as_str()))
                .collect();
            if found != expected {
                let missing: Vec<_> = expected.iter().filter(|e| !found.contains(e)).collect();
                let extra: Vec<_> = found.iter().filter(|f| !expected.contains(f)).collect();
                panic!("seed {seed}: injected but not reported {missing:#?}, reported but not injected {extra:#?}");
            }
            assert_eq!(report.invalid, faults.len() as u64);
            // Faulty lines are strictly increasing: one fault per line.
            assert!(faults.windows(2).all(|w| w[0].0.line < w[1].0.line));
            kinds_seen.extend(faults.iter().map(|(_, which)| *which));
            total += faults.len();
        }
        let missing: Vec<_> = Fault::ALL
            .iter()
            .filter(|f| !kinds_seen.contains(f))
            .collect();
        assert!(
            missing.is_empty(),
            "never injected over {total} faults: {missing:?}"
        );
    }

    #[test]
    fn rate_one_breaks_every_line_and_rate_zero_none() {
        let count = 400;
        let (bytes, faults, summary) = sample(count, 5, 1.0);
        assert_eq!((summary.lines, summary.faults), (count, count));
        let lines_hit: Vec<u64> = faults.iter().map(|(f, _)| f.line).collect();
        assert_eq!(lines_hit, (1..=count).collect::<Vec<_>>());
        let (problems, report) = validate(&bytes, 1);
        let found: Vec<(u64, String, &str)> = problems
            .iter()
            .map(|p| (p.line, p.path.to_string(), p.kind.as_str()))
            .collect();
        let expected: Vec<(u64, String, &str)> = faults
            .iter()
            .map(|(f, _)| (f.line, f.path.clone(), f.kind))
            .collect();
        assert_eq!(found, expected);
        assert_eq!(report.valid, 0);
        // Duplicates can only take ids from lines that still parse; there are some of those.
        assert!(faults.iter().any(|(_, which)| which.needs_source()));
    }

    #[test]
    fn the_same_options_write_the_same_bytes() {
        let options = |seed, fault_rate| SampleOptions {
            count: 500,
            seed,
            fault_rate,
        };
        let run = |options: SampleOptions| {
            let mut out = Vec::new();
            let mut faults = Vec::new();
            let summary = write_sample(&mut out, &options, |f| faults.push(f.clone())).unwrap();
            (out, faults, summary)
        };
        let first = run(options(42, 0.1));
        assert_eq!(first, run(options(42, 0.1)));
        assert!(!first.1.is_empty());
        let other = run(options(43, 0.1));
        assert_ne!(first.0, other.0);
        assert_ne!(first.1, other.1);
        // The valid lines do not depend on the fault rate.
        let clean = run(options(42, 0.0));
        let faulty: HashSet<u64> = first.1.iter().map(|f| f.line).collect();
        let (with, without) = (lines(&first.0), lines(&clean.0));
        assert_eq!(with.len(), without.len());
        for (n, (a, b)) in with.iter().zip(&without).enumerate() {
            let n = n as u64 + 1;
            assert_eq!(a == b, !faulty.contains(&n), "line {n}");
        }
        // Writing to a sink that takes a few bytes at a time gives the same bytes.
        struct Trickle(Vec<u8>);
        impl Write for Trickle {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                let n = buf.len().min(7);
                self.0.extend_from_slice(&buf[..n]);
                Ok(n)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut trickle = Trickle(Vec::new());
        write_sample(&mut trickle, &options(42, 0.1), |_| {}).unwrap();
        assert_eq!(trickle.0, first.0);
    }

    #[test]
    fn lines_agree_with_the_spec_json_schema() {
        let schema = spec_schema("Product");
        assert!(!schema.is_valid(&serde_json::json!({ "id": "x" })));
        let (bytes, faults, _) = sample(2000, 9, 0.1);
        let faults: BTreeMap<u64, (InjectedFault, Fault)> =
            faults.into_iter().map(|f| (f.0.line, f)).collect();
        let mut checked = 0;
        for (n, line) in lines(&bytes).into_iter().enumerate() {
            let n = n as u64 + 1;
            let parsed = serde_json::from_slice::<Value>(line);
            match faults.get(&n) {
                None => {
                    let value = parsed.unwrap();
                    let errors: Vec<String> =
                        schema.iter_errors(&value).map(|e| e.to_string()).collect();
                    assert!(errors.is_empty(), "line {n}: {errors:?}");
                    checked += 1;
                }
                Some((fault, _)) => match fault.kind {
                    "syntax" | "encoding" => assert!(parsed.is_err(), "line {n}: {fault:?}"),
                    // The schema sees one value per member; ids are a file-level rule.
                    "shape" | "duplicate-id" => {
                        assert!(schema.is_valid(&parsed.unwrap()), "line {n}: {fault:?}")
                    }
                    _ => assert!(!schema.is_valid(&parsed.unwrap()), "line {n}: {fault:?}"),
                },
            }
        }
        assert!(checked > 1700, "{checked}");
    }

    #[test]
    fn metadata_is_valid() {
        let options = SampleOptions {
            count: 1,
            seed: 3,
            fault_rate: 0.0,
        };
        let mut out = Vec::new();
        write_metadata(&mut out, &options).unwrap();
        let parsed: FeedMetadata = acp_runtime::from_slice(&out).unwrap();
        assert_eq!(parsed, metadata(&options));
        let value: Value = serde_json::from_slice(&out).unwrap();
        assert!(spec_schema("FeedMetadata").is_valid(&value), "{value}");
        let other = SampleOptions { seed: 4, ..options };
        assert_ne!(metadata(&other).id, parsed.id);
    }
}
