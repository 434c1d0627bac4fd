//! `[[uncertain]]`: figures the sources leave uncertain, each a factor on what the scenario
//! writes, drawn once per replication.

use crate::model::world::{Scales, Target, UncertainSpec};

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
            let scales = self.c.choice(
                u.scales.as_ref(),
                &format!("{path}.scales"),
                "figure to scale",
                &[
                    ("capacity", Scales::Capacity, "what a disruption's factor scales"),
                    ("allocation", Scales::Allocation, "a mill's allocation to the order"),
                ],
            );
            if let (Scales::Allocation, Some(ts), Some(s)) = (scales, &targets, &u.scales)
                && ts.iter().any(|t| !matches!(t, Target::Mill(_)))
            {
                self.c.err_help::<()>(
                    s.span(),
                    format!("{path}.scales"),
                    "only a mill has an allocation",
                    "target mills only, or scale the capacity of the others in a row of their own",
                );
            }
            if let (Some(targets), Some(factor)) = (targets, factor) {
                out.push(UncertainSpec { name: u.name.get_ref().clone(), targets, scales, factor });
            }
        }
        out
    }
}
