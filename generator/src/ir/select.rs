//! Keeping some spec modules of a version (`generate --spec webhooks`): the modules asked for,
//! and the modules whose types they use, with the ids of what is left renumbered.

use std::collections::HashSet;

use super::{Api, Module, ModuleId, Operation, RpcMethod, TypeRef};

/// A spec asked for that the version does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("version {version} has no spec `{spec}` (it has: {})", available.join(", "))]
pub struct UnknownSpec {
    /// The version.
    pub version: String,
    /// What was asked for.
    pub spec: String,
    /// The specs the version has.
    pub available: Vec<String>,
}

impl Api {
    /// Keeps the modules `specs` names (by spec, `agentic_checkout`, or module name,
    /// `checkout`) and every module defining a type they use (checkout for the webhooks, whose
    /// events carry its `Order`). Modules kept only for their types keep no operations (nor
    /// MCP methods: keep `checkout` with `checkout_mcp` for its tools to be served). Types
    /// of dropped modules are dropped and the ids of the others renumbered; examples of dropped
    /// types go too. Nothing changes when `specs` is empty.
    pub fn retain_modules(&mut self, specs: &[String]) -> Result<(), UnknownSpec> {
        if specs.is_empty() {
            return Ok(());
        }
        let named = |module: &Module, spec: &String| *spec == module.spec || *spec == module.name;
        if let Some(missing) = specs
            .iter()
            .find(|spec| !self.modules.iter().any(|m| named(m, spec)))
        {
            return Err(UnknownSpec {
                version: self.version.clone(),
                spec: missing.clone(),
                available: self.modules.iter().map(|m| m.spec.clone()).collect(),
            });
        }
        let wanted: Vec<ModuleId> = self
            .modules
            .enumerate()
            .filter(|(_, module)| specs.iter().any(|spec| named(module, spec)))
            .map(|(id, _)| id)
            .collect();
        for id in self.modules.ids() {
            if !wanted.contains(&id) {
                self.modules[id].operations.clear();
                self.modules[id].methods.clear();
            }
        }
        let needed = self.modules_needed(&wanted);
        // Types of dropped modules are unreachable from kept ones, so dropping them leaves no
        // reference dangling.
        let new_type = self.types.retain(|_, def| needed.contains(&def.module));
        let new_module = self.modules.retain(|id, _| needed.contains(&id));
        // False when `ty` refers to a dropped type.
        let renumber = |ty: &mut TypeRef| match ty.refers_to_mut() {
            None => true,
            Some(id) => match new_type[*id] {
                Some(new) => {
                    *id = new;
                    true
                }
                None => false,
            },
        };
        for def in self.types.iter_mut() {
            def.module = new_module[def.module].expect("a kept type's module is kept");
            for id in def.kind.refers_to_mut() {
                *id = new_type[*id].expect("a kept type refers to kept types only");
            }
        }
        for operation in self.modules.iter_mut().flat_map(|m| &mut m.operations) {
            for ty in operation.refs_mut() {
                assert!(renumber(ty), "a kept operation refers to kept types only");
            }
        }
        for method in self.modules.iter_mut().flat_map(|m| &mut m.methods) {
            for ty in method.refs_mut() {
                assert!(renumber(ty), "a kept method refers to kept types only");
            }
        }
        self.examples
            .retain_mut(|example| renumber(&mut example.ty));
        Ok(())
    }

    /// `wanted` and the modules defining the types that their types and operations reach.
    fn modules_needed(&self, wanted: &[ModuleId]) -> HashSet<ModuleId> {
        let types = self
            .types
            .enumerate()
            .filter(|(_, def)| wanted.contains(&def.module))
            .map(|(id, _)| id);
        let used_by_operations = wanted
            .iter()
            .flat_map(|module| &self.modules[*module].operations)
            .flat_map(Operation::refs)
            .chain(
                wanted
                    .iter()
                    .flat_map(|module| &self.modules[*module].methods)
                    .flat_map(RpcMethod::refs),
            )
            .filter_map(TypeRef::refers_to);
        let reachable = self.reachable(types.chain(used_by_operations));
        let defining = reachable.into_iter().map(|id| self.types[id].module);
        wanted.iter().copied().chain(defining).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{api, array, field, named, operation, origin, t};
    use super::super::{Example, Id, Struct, TypeKind};
    use super::*;

    fn object(fields: Vec<(&str, TypeRef)>) -> TypeKind {
        TypeKind::Struct(Struct {
            fields: fields.into_iter().map(|(n, ty)| field(n, ty)).collect(),
            ..Struct::default()
        })
    }

    /// checkout (0), webhooks (1), feed (2), common (3). Webhook events hold checkout's `Order`;
    /// the webhook operation answers with common's `Error`; nothing uses the feed.
    fn version() -> Api {
        let mut api = api(
            &["checkout", "webhooks", "feed", "common"],
            vec![
                ("Order", 0, object(vec![("lines", array(named(1)))])),
                ("Line", 0, object(Vec::new())),
                ("Product", 2, object(Vec::new())),
                ("Event", 1, object(vec![("data", named(0))])),
                ("Session", 0, object(Vec::new())),
                ("Error", 3, object(Vec::new())),
            ],
        );
        let module = |name: &str| api.modules.position(|m| m.name == name).unwrap();
        let (checkout, webhooks) = (module("checkout"), module("webhooks"));
        api.modules[checkout].operations = vec![operation("create", named(4), named(0))];
        api.modules[webhooks].operations = vec![operation("send", named(3), named(5))];
        for (at, ty) in [("/product", array(named(2))), ("/event", named(3))] {
            api.examples.push(Example {
                origin: origin(at),
                schema: origin(at),
                ty,
                value: serde_json::Value::Null,
            });
        }
        api
    }

    fn names(api: &Api) -> Vec<String> {
        api.types
            .iter()
            .map(|def| format!("{}::{}", api.modules[def.module].name, def.name))
            .collect()
    }

    #[test]
    fn a_spec_keeps_the_modules_its_types_and_operations_use() {
        let mut api = version();
        api.retain_modules(&["webhooks".into()]).unwrap();
        let modules: Vec<&str> = api.modules.iter().map(|m| m.name.as_str()).collect();
        // The feed is dropped; checkout stays for `Order`, common for the operation's `Error`.
        assert_eq!(modules, ["checkout", "webhooks", "common"]);
        assert_eq!(
            names(&api),
            [
                "checkout::Order",
                "checkout::Line",
                "webhooks::Event",
                "checkout::Session",
                "common::Error"
            ]
        );
        // References follow the renumbering.
        let TypeKind::Struct(event) = &api.types[t(2)].kind else {
            panic!("Event is a struct")
        };
        assert_eq!(event.fields[0].ty, named(0));
        let TypeKind::Struct(order) = &api.types[t(0)].kind else {
            panic!("Order is a struct")
        };
        assert_eq!(order.fields[0].ty, array(named(1)));
        let send: Vec<&TypeRef> = api.modules[ModuleId::from_index(1)].operations[0]
            .refs()
            .collect();
        assert_eq!(send, [&named(2), &named(4)]);
        // Checkout is only there for its types: no operations.
        assert!(api.modules[ModuleId::from_index(0)].operations.is_empty());
        // The example of a dropped type goes, the other is renumbered.
        let examples: Vec<(&str, &TypeRef)> = api
            .examples
            .iter()
            .map(|e| (e.origin.pointer.as_str(), &e.ty))
            .collect();
        assert_eq!(examples, [("/event", &named(2))]);
    }

    #[test]
    fn specs_are_named_by_spec_or_module_and_all_of_them_must_exist() {
        let mut by_spec = version();
        by_spec.retain_modules(&["spec_feed".into()]).unwrap();
        assert_eq!(names(&by_spec), ["feed::Product"]);
        let mut both = version();
        both.retain_modules(&["feed".into(), "spec_checkout".into()])
            .unwrap();
        assert_eq!(both.modules.len(), 2);
        assert_eq!(both.modules[ModuleId::from_index(0)].operations.len(), 1);

        let mut api = version();
        let error = api
            .retain_modules(&["feed".into(), "cart".into()])
            .unwrap_err();
        assert_eq!(error.spec, "cart");
        assert_eq!(
            error.available,
            ["spec_checkout", "spec_webhooks", "spec_feed", "spec_common"]
        );
        assert_eq!(api.types.len(), 6, "nothing changes on an error");
        let mut all = version();
        all.retain_modules(&[]).unwrap();
        assert_eq!(names(&all), names(&version()));
    }
}
