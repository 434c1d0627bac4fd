//! From corridors to step lists.
//!
//! A corridor (`[routes.NAME]`) names the modes it may use and the nodes it must pass.
//! For each mill and destination it serves, the path between consecutive waypoints is the
//! quickest by mean transit time over legs of those modes. The path is then turned into
//! steps: each node's stages, carrier changes where the pool changes, yards, the handover
//! point, and the legs.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::model::world::{DwellId, LegId, PoolId, ServerId, Step, StoreId};

/// A stage of a node as the route compiler sees it.
#[derive(Clone, Copy, Debug)]
pub(super) enum StageRef {
    /// A server stage.
    Server {
        /// The server.
        id: ServerId,
        /// Lots change carriers here.
        transload: bool,
        /// Carriers that stay on are served (bogie exchange) rather than skipping it.
        through: bool,
        /// Only carriers that stay on are served here (a bogie exchange of its own).
        through_only: bool,
        /// Only for lots ending at this node.
        ends_here: bool,
    },
    /// A dwell stage.
    Dwell {
        /// The dwell.
        id: DwellId,
        /// Only for lots ending at this node.
        ends_here: bool,
    },
}

impl StageRef {
    fn ends_here(&self) -> bool {
        match self {
            StageRef::Server { ends_here, .. } | StageRef::Dwell { ends_here, .. } => *ends_here,
        }
    }

    fn same(&self, other: &StageRef) -> bool {
        match (self, other) {
            (StageRef::Server { id: a, .. }, StageRef::Server { id: b, .. }) => a == b,
            (StageRef::Dwell { id: a, .. }, StageRef::Dwell { id: b, .. }) => a == b,
            _ => false,
        }
    }
}

/// Where in a node a lot is handed over to the buyer (the contract's delivery point).
#[derive(Clone, Copy, Debug)]
pub(super) enum HandoverAt {
    /// On arrival, before the node's yard and stages (DAP, FCA at a named place; EXW at a
    /// mill).
    Arrival,
    /// Once this stage is done (DPU: unloaded; DDP: cleared for import).
    AfterStage(StageRef),
    /// After all the node's stages (FCA at the mill, CPT, CIP; `order.handover` without a
    /// contract).
    AfterStages,
}

/// Where a lot gives back carriers of a pool at a node where it leaves them (without a
/// transload stage there).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Release {
    /// After the node's stage marked `unloads`, or after all its stages where none is.
    #[default]
    Unloaded,
    /// On arrival, before the node's stages.
    Arrival,
    /// After all the node's stages.
    AfterStages,
}

/// A mill or node of the network.
#[derive(Debug)]
pub(super) struct GraphNode {
    pub(super) name: String,
    pub(super) stages: Vec<StageRef>,
    /// The stage marked `unloads`, if any.
    pub(super) unload: Option<StageRef>,
    pub(super) store: Option<StoreId>,
    pub(super) handover: Option<HandoverAt>,
    /// Costs pass to the buyer on arrival here: the place carriage is paid to (CPT, CIP).
    pub(super) carriage_paid_to: bool,
}

/// A leg of the network.
#[derive(Debug)]
pub(super) struct GraphLeg {
    pub(super) id: LegId,
    pub(super) from: usize,
    pub(super) to: usize,
    pub(super) mode: String,
    pub(super) pool: Option<PoolId>,
    /// Mean hours, for choosing among paths.
    pub(super) cost: f64,
}

/// The network: mills and nodes, joined by legs.
#[derive(Debug, Default)]
pub(super) struct Graph {
    pub(super) nodes: Vec<GraphNode>,
    pub(super) legs: Vec<GraphLeg>,
    /// Costs pass to the buyer with the delivery (every contract but CPT and CIP).
    pub(super) costs_with_handover: bool,
}

impl Graph {
    /// The quickest chain of legs from `from` to `to` using only `modes`; ties go to the
    /// path whose legs were declared first, so the choice never depends on hashing.
    pub(super) fn quickest(&self, from: usize, to: usize, modes: &[String]) -> Option<Vec<usize>> {
        if from == to {
            return Some(Vec::new());
        }
        let n = self.nodes.len();
        let mut best = vec![f64::INFINITY; n];
        let mut via: Vec<Option<usize>> = vec![None; n];
        let mut heap = BinaryHeap::new();
        best[from] = 0.0;
        heap.push(Reverse((Ordered(0.0), from)));
        while let Some(Reverse((Ordered(d), u))) = heap.pop() {
            if d > best[u] {
                continue;
            }
            if u == to {
                break;
            }
            for (i, leg) in self.legs.iter().enumerate() {
                if leg.from != u || !modes.contains(&leg.mode) {
                    continue;
                }
                let nd = d + leg.cost;
                if nd < best[leg.to] {
                    best[leg.to] = nd;
                    via[leg.to] = Some(i);
                    heap.push(Reverse((Ordered(nd), leg.to)));
                }
            }
        }
        let mut path = Vec::new();
        let mut at = to;
        while at != from {
            let leg = via[at]?;
            path.push(leg);
            at = self.legs[leg].from;
        }
        path.reverse();
        Some(path)
    }

    /// The legs from `waypoints[0]` through each waypoint in turn, segment `i` using
    /// `modes[i]`, or the first pair with no path between them.
    pub(super) fn path_through(&self, waypoints: &[usize], modes: &[&[String]]) -> Result<Vec<usize>, (usize, usize)> {
        let mut legs = Vec::new();
        for (i, pair) in waypoints.windows(2).enumerate() {
            match self.quickest(pair[0], pair[1], modes[i]) {
                Some(p) => legs.extend(p),
                None => return Err((pair[0], pair[1])),
            }
        }
        Ok(legs)
    }

    /// The handover, and with it the costs unless they pass elsewhere.
    fn hand_over(&self, steps: &mut Vec<Step>) {
        steps.push(Step::Handover);
        if self.costs_with_handover {
            steps.push(Step::CostsPass);
        }
    }

    /// Turns a path (legs from a mill to a destination) into route steps. `pool_of` gives the
    /// pool a leg uses on this corridor, `release_of` where its carriers are given back.
    pub(super) fn steps(
        &self,
        legs: &[usize],
        pool_of: impl Fn(&GraphLeg) -> Option<PoolId>,
        release_of: impl Fn(PoolId) -> Release,
    ) -> (Vec<Step>, Vec<String>) {
        let mut nodes = vec![self.legs[legs[0]].from];
        nodes.extend(legs.iter().map(|&l| self.legs[l].to));
        let mut steps = Vec::new();
        let last = nodes.len() - 1;
        // One delivery per lot: at its destination if that is a named place, otherwise at
        // the first named place it passes (and so for the place carriage is paid to).
        let one = |marked: &dyn Fn(&GraphNode) -> bool| {
            if marked(&self.nodes[nodes[last]]) {
                Some(last)
            } else {
                nodes.iter().position(|&n| marked(&self.nodes[n]))
            }
        };
        let deliver_at = one(&|g| g.handover.is_some());
        let paid_to = one(&|g| g.carriage_paid_to);
        for (i, &n) in nodes.iter().enumerate() {
            let node = &self.nodes[n];
            let handover = if deliver_at == Some(i) { node.handover } else { None };
            let p_in = if i == 0 { None } else { pool_of(&self.legs[legs[i - 1]]) };
            let p_out = if i == last { None } else { pool_of(&self.legs[legs[i]]) };
            let change = p_in != p_out;
            let ends_here = i == last;
            let applies = |s: &StageRef| !s.ends_here() || ends_here;
            let has_transload = change
                && node.stages.iter().any(|s| applies(s) && matches!(s, StageRef::Server { transload: true, .. }));
            if paid_to == Some(i) {
                steps.push(Step::CostsPass);
            }
            if matches!(handover, Some(HandoverAt::Arrival)) {
                self.hand_over(&mut steps);
            }
            if let Some(x) = node.store {
                steps.push(Step::EnterStore(x));
            }
            // Carriers the lot leaves here without a transload stage, and where it gives
            // them back: on arrival, after the stage that unloads it, or after every stage.
            let mut give_back = if change && !has_transload { p_in } else { None };
            let unload = node.unload.filter(|u| applies(u));
            let release_at = give_back.map(|p| match release_of(p) {
                Release::Unloaded if unload.is_none() => Release::AfterStages,
                r => r,
            });
            if release_at == Some(Release::Arrival)
                && let Some(p) = give_back.take()
            {
                steps.push(Step::Release(p));
            }
            if change
                && !has_transload
                && let Some(p) = p_out
            {
                steps.push(Step::Acquire(p));
            }
            for s in node.stages.iter().filter(|s| applies(s)) {
                // Whether the lot goes through this stage (a transload only where it changes
                // carriers, or through a bogie exchange).
                let done = match *s {
                    StageRef::Server { id, transload: true, through, .. } => {
                        if change {
                            if let Some(p) = p_out {
                                steps.push(Step::Acquire(p));
                            }
                            steps.push(Step::Serve { server: id, through: false });
                            if let Some(p) = p_in {
                                steps.push(Step::Release(p));
                            }
                            true
                        } else if through && p_in.is_some() {
                            steps.push(Step::Serve { server: id, through: true });
                            true
                        } else {
                            false
                        }
                    }
                    StageRef::Server { id, through_only: true, .. } => {
                        // Its own service, for the carriers that stay on; the others skip it.
                        let stays_on = !change && p_in.is_some();
                        if stays_on {
                            steps.push(Step::Serve { server: id, through: false });
                        }
                        stays_on
                    }
                    StageRef::Server { id, .. } => {
                        steps.push(Step::Serve { server: id, through: false });
                        true
                    }
                    StageRef::Dwell { id, .. } => {
                        steps.push(Step::Dwell(id));
                        true
                    }
                };
                if done
                    && let Some(HandoverAt::AfterStage(at)) = handover
                    && at.same(s)
                {
                    self.hand_over(&mut steps);
                }
                if done
                    && release_at == Some(Release::Unloaded)
                    && unload.is_some_and(|u| u.same(s))
                    && let Some(p) = give_back.take()
                {
                    steps.push(Step::Release(p));
                }
            }
            if let Some(p) = give_back {
                steps.push(Step::Release(p));
            }
            if let Some(x) = node.store {
                steps.push(Step::LeaveStore(x));
            }
            if matches!(handover, Some(HandoverAt::AfterStages)) {
                self.hand_over(&mut steps);
            }
            if i == last {
                steps.push(Step::Deliver);
            } else {
                steps.push(Step::Leg(self.legs[legs[i]].id));
            }
        }
        (steps, nodes.iter().map(|&n| self.nodes[n].name.clone()).collect())
    }
}

/// A float with a total order, for the path search heap.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Ordered(f64);
impl Eq for Ordered {}
impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ids::Id;

    fn pool(i: usize) -> PoolId {
        PoolId::from_index(i)
    }

    fn leg_id(i: usize) -> LegId {
        LegId::from_index(i)
    }

    fn server(i: usize) -> ServerId {
        ServerId::from_index(i)
    }

    fn node(name: &str, stages: Vec<StageRef>) -> GraphNode {
        GraphNode { name: name.into(), stages, unload: None, store: None, handover: None, carriage_paid_to: false }
    }

    fn leg(id: usize, from: usize, to: usize, mode: &str, p: Option<usize>, cost: f64) -> GraphLeg {
        GraphLeg { id: leg_id(id), from, to, mode: mode.into(), pool: p.map(pool), cost }
    }

    /// mill -> border (gauge change) -> destination, and a slow direct road.
    fn graph() -> Graph {
        let interchange =
            StageRef::Server { id: server(0), transload: true, through: true, through_only: false, ends_here: false };
        let unload =
            StageRef::Server { id: server(1), transload: false, through: false, through_only: false, ends_here: true };
        Graph {
            nodes: vec![node("mill", vec![]), node("border", vec![interchange]), node("dest", vec![unload])],
            legs: vec![
                leg(0, 0, 1, "rail", Some(0), 10.0),
                leg(1, 1, 2, "rail", Some(1), 10.0),
                leg(2, 0, 2, "road", Some(2), 50.0),
            ],
            costs_with_handover: false,
        }
    }

    #[test]
    fn quickest_path_respects_modes_and_waypoints() {
        let g = graph();
        let rail = ["rail".to_string()];
        let road = ["road".to_string()];
        let all = ["rail".to_string(), "road".to_string()];
        assert_eq!(g.quickest(0, 2, &rail), Some(vec![0, 1]));
        assert_eq!(g.quickest(0, 2, &road), Some(vec![2]));
        assert_eq!(g.quickest(0, 2, &all), Some(vec![0, 1]), "rail is quicker");
        assert_eq!(g.quickest(2, 0, &all), None);
        assert_eq!(g.path_through(&[0, 1, 2], &[&all, &all]), Ok(vec![0, 1]));
        assert_eq!(g.path_through(&[0, 2, 1], &[&all, &all]), Err((2, 1)));
        assert_eq!(g.path_through(&[0, 2], &[&road]), Ok(vec![2]));
    }

    #[test]
    fn a_gauge_change_transloads_between_pools() {
        let g = graph();
        let (steps, nodes) = g.steps(&[0, 1], |l| l.pool, |_| Release::Unloaded);
        assert_eq!(nodes, ["mill", "border", "dest"]);
        assert_eq!(
            steps,
            [
                Step::Acquire(pool(0)),
                Step::Leg(leg_id(0)),
                Step::Acquire(pool(1)),
                Step::Serve { server: server(0), through: false },
                Step::Release(pool(0)),
                Step::Leg(leg_id(1)),
                Step::Serve { server: server(1), through: false },
                Step::Release(pool(1)),
                Step::Deliver,
            ]
        );
    }

    #[test]
    fn carriers_that_stay_on_get_a_bogie_exchange_instead() {
        let g = graph();
        let (steps, _) = g.steps(&[0, 1], |_| Some(pool(7)), |_| Release::Unloaded);
        assert_eq!(
            steps,
            [
                Step::Acquire(pool(7)),
                Step::Leg(leg_id(0)),
                Step::Serve { server: server(0), through: true },
                Step::Leg(leg_id(1)),
                Step::Serve { server: server(1), through: false },
                Step::Release(pool(7)),
                Step::Deliver,
            ]
        );
    }

    /// At its destination a lot gives its wagons back where their pool says: after the stage
    /// that unloads it (the default), on arrival, or after every stage.
    #[test]
    fn carriers_are_given_back_where_their_pool_says() {
        let unload =
            StageRef::Server { id: server(1), transload: false, through: false, through_only: false, ends_here: true };
        let customs =
            StageRef::Server { id: server(2), transload: false, through: false, through_only: false, ends_here: true };
        let mut g = graph();
        g.nodes[2] = GraphNode { unload: Some(unload), ..node("dest", vec![unload, customs]) };
        let at_dest = |g: &Graph, release: Release| -> Vec<Step> {
            let (steps, _) = g.steps(&[2], |l| l.pool, |_| release);
            steps[2..].to_vec()
        };
        let (unloading, clearing) =
            (Step::Serve { server: server(1), through: false }, Step::Serve { server: server(2), through: false });
        let back = Step::Release(pool(2));
        assert_eq!(at_dest(&g, Release::Unloaded), [unloading, back, clearing, Step::Deliver]);
        assert_eq!(at_dest(&g, Release::Arrival), [back, unloading, clearing, Step::Deliver]);
        assert_eq!(at_dest(&g, Release::AfterStages), [unloading, clearing, back, Step::Deliver]);
        // Without a stage that unloads, "unloaded" means after every stage.
        g.nodes[2].unload = None;
        assert_eq!(at_dest(&g, Release::Unloaded), [unloading, clearing, back, Step::Deliver]);
    }

    /// A bogie exchange of its own serves the lots that keep their carriers, and only those;
    /// the transload beside it serves the others.
    #[test]
    fn a_through_only_stage_serves_only_carriers_that_stay_on() {
        let transload =
            StageRef::Server { id: server(0), transload: true, through: false, through_only: false, ends_here: false };
        let bogies =
            StageRef::Server { id: server(3), transload: false, through: false, through_only: true, ends_here: false };
        let mut g = graph();
        g.nodes[1] = node("border", vec![transload, bogies]);
        let at_border = |steps: Vec<Step>| -> Vec<Step> {
            let leave = steps.iter().rposition(|s| *s == Step::Leg(leg_id(1))).unwrap();
            steps[2..leave].to_vec()
        };
        let (changing, _) = g.steps(&[0, 1], |l| l.pool, |_| Release::Unloaded);
        assert_eq!(
            at_border(changing),
            [Step::Acquire(pool(1)), Step::Serve { server: server(0), through: false }, Step::Release(pool(0))]
        );
        let (staying, _) = g.steps(&[0, 1], |_| Some(pool(7)), |_| Release::Unloaded);
        assert_eq!(at_border(staying), [Step::Serve { server: server(3), through: false }]);
    }
}
