//! The derived checks cover every operation of every API a merchant serves, in every version:
//! counted here from the OpenAPI documents themselves (paths × methods), not from the IR the
//! checks are made from.

use acp_conformance::{
    served_apis, ApiSelection, MerchantConfig, Profile, Suite, SuiteOptions, VersionSpec,
};
use acp_runtime::versions::Api;

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../templates/merchant.example.toml"
);

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

#[test]
fn every_operation_of_every_served_api_has_its_checks() {
    let generator = acp_codegen::Generator::from_env().unwrap();
    let config = MerchantConfig::load(EXAMPLE).unwrap();
    for version in generator.versions().unwrap() {
        let set = generator.spec_set(&version).unwrap();
        let spec = VersionSpec::new(&set).unwrap();
        let served = served_apis(&spec);
        assert!(served.contains(&Api::Checkout), "{version}: {served:?}");
        assert!(
            !served.contains(&Api::Webhooks),
            "the merchant sends webhooks"
        );
        // By default every API is checked (those the server turns out not to serve are
        // skipped at run time).
        let options = SuiteOptions::new("http://127.0.0.1:1", Profile::Spec, config.clone());
        let suite = Suite::new(spec, options).unwrap();
        let ids: Vec<&str> = suite
            .derived_checks()
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        for api in &served {
            let spec_file = set
                .specs
                .iter()
                .find(|s| s.name == api.spec_name())
                .and_then(|s| s.openapi)
                .map(|i| &set.files[i])
                .unwrap();
            let paths = spec_file.value["paths"].as_object().unwrap();
            for (path, item) in paths {
                for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
                    let operation_id = item[*method]["operationId"].as_str().unwrap();
                    let prefix = format!("derived.{}.{operation_id}.", api.spec_name());
                    let of_op: Vec<&&str> =
                        ids.iter().filter(|id| id.starts_with(&prefix)).collect();
                    assert!(
                        of_op
                            .iter()
                            .any(|id| id.ends_with(".valid") || id.ends_with(".not_found")),
                        "{version} {method} {path}: no derived check ({of_op:?})"
                    );
                    if path.contains('{') {
                        assert!(
                            of_op.iter().any(|id| id.ends_with(".not_found")),
                            "{version} {method} {path}: no unknown-id check"
                        );
                    }
                }
            }
        }
        // With `--api none`, only the checklist's checks run.
        let set = generator.spec_set(&version).unwrap();
        let mut options = SuiteOptions::new("http://127.0.0.1:1", Profile::Spec, config.clone());
        options.apis = ApiSelection::None;
        let suite = Suite::new(VersionSpec::new(&set).unwrap(), options).unwrap();
        assert!(suite.derived_checks().is_empty());
    }
}

/// The random valid requests: for every request body of every version, draws from one seed
/// repeat exactly, and the independent validator accepts at least one in ten (the suite
/// sends only accepted ones, so a generator that never hits would silently test nothing;
/// where the OpenAPI and JSON Schema files disagree on a bound, the IR's draw can miss).
#[test]
fn random_requests_repeat_by_seed_and_mostly_validate() {
    use acp_conformance::instance;
    use acp_conformance::spec::Op;
    let generator = acp_codegen::Generator::from_env().unwrap();
    for version in generator.versions().unwrap() {
        let set = generator.spec_set(&version).unwrap();
        let spec = VersionSpec::new(&set).unwrap();
        for module in &spec.ir().modules {
            let Some(api) = Api::ALL.into_iter().find(|a| a.spec_name() == module.spec) else {
                continue;
            };
            for operation in &module.operations {
                let Some(request) = &operation.request else {
                    continue;
                };
                let op = Op {
                    api,
                    path: Box::leak(operation.path.clone().into_boxed_str()),
                    method: Box::leak(operation.method.to_lowercase().into_boxed_str()),
                };
                let schema = spec.request_schema(op).unwrap();
                let draw = |seed| {
                    let mut rng = fastrand::Rng::with_seed(seed);
                    (0..50)
                        .map(|_| instance::random(spec.ir(), &request.ty, &mut rng))
                        .collect::<Vec<_>>()
                };
                let drawn = draw(42);
                assert_eq!(drawn, draw(42), "{version} {}", operation.id);
                if drawn.iter().any(|v| *v != drawn[0]) {
                    assert_ne!(drawn, draw(43), "{version} {}", operation.id);
                }
                let valid = drawn
                    .iter()
                    .filter(|v| spec.validate(&schema, v).is_empty())
                    .count();
                assert!(
                    valid >= 5,
                    "{version} {}: only {valid} of 50 random requests are valid: {:?}",
                    operation.id,
                    drawn
                        .iter()
                        .flat_map(|v| spec.validate(&schema, v))
                        .take(8)
                        .collect::<Vec<_>>()
                );
            }
        }
    }
}
