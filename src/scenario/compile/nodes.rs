//! Nodes: yards, ports, junctions, borders and destinations, with their stages and yards.

use super::routes::{GraphNode, StageRef};
use super::{Compiler, Entity, NODE_KINDS};
use crate::model::world::StoreSpec;
use crate::scenario::schema::in_file_order;
use crate::scenario::suggest::did_you_mean;

impl Compiler<'_> {
    pub(super) fn compile_nodes(&mut self) {
        for (i, (name, node)) in in_file_order(&self.f.nodes).into_iter().enumerate() {
            let path = format!("nodes.{}", name.get_ref());
            let n = node.get_ref();
            self.register(name, Entity::Node(i), &path);
            self.c.label(n.label.as_ref(), &path);
            self.c.position(n.lat.as_ref(), n.lon.as_ref(), &path);
            if let Some(kind) = &n.kind
                && !NODE_KINDS.contains(&kind.get_ref().as_str())
            {
                self.c.err_help::<()>(
                    kind.span(),
                    format!("{path}.kind"),
                    format!("unknown node kind \"{}\"", kind.get_ref()),
                    did_you_mean(kind.get_ref(), "kind", NODE_KINDS),
                );
            }
            let store = n.yard_t.as_ref().and_then(|y| {
                let cap = self.c.mass(y, &format!("{path}.yard_t"))?;
                let id = self.stores.next_id();
                let storage_per_t_day = n
                    .storage_per_t_day
                    .as_ref()
                    .and_then(|v| self.c.non_negative(v, &format!("{path}.storage_per_t_day")))
                    .unwrap_or(0.0);
                let name = format!("{}.yard", name.get_ref());
                self.stores.push(StoreSpec { name, capacity: cap, storage_per_t_day });
                Some(id)
            });
            let mut seen = Vec::new();
            let stages: Vec<StageRef> = n
                .stages
                .iter()
                .enumerate()
                .filter_map(|(i, s)| self.stage(name.get_ref(), &path, i, s, &mut seen))
                .collect();
            let unload = n
                .stages
                .iter()
                .find(|s| s.get_ref().unloads.as_ref().is_some_and(|u| *u.get_ref()))
                .and_then(|s| self.stage_names.get(&format!("{}.{}", name.get_ref(), s.get_ref().name.get_ref())))
                .copied();
            self.node_names.push(name.get_ref().clone());
            self.graph.nodes.push(GraphNode {
                name: name.get_ref().clone(),
                stages,
                unload,
                store,
                handover: None,
                carriage_paid_to: false,
            });
        }
    }
}
