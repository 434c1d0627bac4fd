//! The table of reported stages: every server, dwell, leg, pool and yard, in the order
//! reports list them, and the row of each in it.

use super::ids::IdVec;
use super::world::{
    DwellId, DwellSpec, LegId, LegSpec, PoolId, PoolSpec, ServerId, ServerSpec, StageId, Step, StoreId, StoreSpec,
};

/// Kinds of reported stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StageKind {
    /// A server.
    Server,
    /// A dwell.
    Dwell,
    /// A leg (wait = waiting for departure, service = transit).
    Leg,
    /// A carrier pool (wait = waiting for carriers).
    Pool,
    /// A yard (wait = blocked at its gate, service = time inside).
    Store,
}

impl StageKind {
    /// Lower-case name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            StageKind::Server => "server",
            StageKind::Dwell => "dwell",
            StageKind::Leg => "leg",
            StageKind::Pool => "pool",
            StageKind::Store => "yard",
        }
    }
}

/// A reported stage: where a lot's waiting and time are tallied.
#[derive(Debug)]
pub struct Stage {
    /// What kind of stage.
    pub kind: StageKind,
    /// Its name (`node.stage`, a leg's or a pool's name, `node.yard`).
    pub name: String,
}

/// The table of reported stages (servers, dwells, legs, pools, then yards) and, for each
/// server, dwell, leg, pool and yard, its row in it.
#[derive(Debug, Default)]
pub struct Stages {
    table: IdVec<StageId, Stage>,
    servers: IdVec<ServerId, StageId>,
    dwells: IdVec<DwellId, StageId>,
    legs: IdVec<LegId, StageId>,
    pools: IdVec<PoolId, StageId>,
    stores: IdVec<StoreId, StageId>,
}

impl Stages {
    /// The table for these stages, in the order reports list them.
    pub fn index(
        servers: &IdVec<ServerId, ServerSpec>,
        dwells: &IdVec<DwellId, DwellSpec>,
        legs: &IdVec<LegId, LegSpec>,
        pools: &IdVec<PoolId, PoolSpec>,
        stores: &IdVec<StoreId, StoreSpec>,
    ) -> Stages {
        let mut table = IdVec::new();
        let mut add = |kind, name: &str| table.push(Stage { kind, name: name.to_string() });
        let servers = servers.iter().map(|s| add(StageKind::Server, &s.name)).collect();
        let dwells = dwells.iter().map(|s| add(StageKind::Dwell, &s.name)).collect();
        let legs = legs.iter().map(|s| add(StageKind::Leg, &s.name)).collect();
        let pools = pools.iter().map(|s| add(StageKind::Pool, &s.name)).collect();
        let stores = stores.iter().map(|s| add(StageKind::Store, &s.name)).collect();
        Stages { table, servers, dwells, legs, pools, stores }
    }

    /// Number of reported stages.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// No stages?
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Every stage with its id, in report order.
    pub fn iter_ids(&self) -> impl Iterator<Item = (StageId, &Stage)> {
        self.table.iter_ids()
    }

    /// The reported stage of a server.
    pub fn server(&self, s: ServerId) -> StageId {
        self.servers[s]
    }

    /// The reported stage of a pool.
    pub fn pool(&self, p: PoolId) -> StageId {
        self.pools[p]
    }

    /// The reported stage of a yard.
    pub fn store(&self, x: StoreId) -> StageId {
        self.stores[x]
    }

    /// The reported stage a step's waiting and time belong to, if any.
    pub fn of(&self, step: Step) -> Option<StageId> {
        match step {
            Step::Serve { server, .. } => Some(self.servers[server]),
            Step::Dwell(x) => Some(self.dwells[x]),
            Step::Leg(x) => Some(self.legs[x]),
            Step::Acquire(x) => Some(self.pools[x]),
            Step::EnterStore(x) => Some(self.stores[x]),
            Step::Release(_) | Step::LeaveStore(_) | Step::Handover | Step::CostsPass | Step::Deliver => None,
        }
    }
}

impl std::ops::Index<StageId> for Stages {
    type Output = Stage;

    fn index(&self, i: StageId) -> &Stage {
        &self.table[i]
    }
}
