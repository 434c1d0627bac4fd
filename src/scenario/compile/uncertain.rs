//! `[[uncertain]]`: figures the sources leave uncertain, each a factor on what the scenario
//! writes, drawn once per replication.

use crate::model::world::UncertainSpec;

use super::Compiler;

impl Compiler<'_> {
    pub(super) fn compile_uncertain(&mut self) -> Vec<UncertainSpec> {
        let mut out: Vec<UncertainSpec> = Vec::new();
        for (i, row) in self.f.uncertain.iter().enumerate() {
            let u = row.get_ref();
            let path = format!("uncertain[{i}]");
            if out.iter().any(|o| o.name == *u.name.get_ref()) {
                self.c.err::<()>(
                    u.name.span(),
                    format!("{path}.name"),
                    format!("another uncertain figure is already called `{}`", u.name.get_ref()),
                );
            }
            let targets = self.target_list(&u.target, &format!("{path}.target"));
            let factor = self.factor(&u.factor, &format!("{path}.factor"));
            if let (Some(targets), Some(factor)) = (targets, factor) {
                out.push(UncertainSpec { name: u.name.get_ref().clone(), targets, factor });
            }
        }
        out
    }
}
