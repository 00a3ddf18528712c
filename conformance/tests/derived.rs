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
