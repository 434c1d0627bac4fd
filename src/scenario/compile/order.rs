//! The order: its name, dates, tonnes, products, destinations, handover points, the terms
//! it is judged by, and the limits that guard a replication.

use jiff::ToSpan;
use jiff::civil::Date;
use toml::Spanned;

use super::{Compiler, DEFAULT_CONFIDENCE, DEFAULT_MAX_EVENTS, DEFAULT_MAX_LOTS, Entity, in_order};
use crate::model::units::Tonnes;
use crate::model::world::{Reallocation, RoutingPolicy};
use crate::scenario::ctx::Ctx;
use crate::scenario::schema::{Name, OrderSpec, ScenarioFile};

/// The scenario's name: the file's `name`, or the default (the file name).
pub(super) fn name(f: &ScenarioFile, default_name: &str, c: &mut Ctx) -> String {
    if let Some(n) = &f.name
        && (n.get_ref().is_empty() || n.get_ref().contains(['/', '\\']) || n.get_ref().starts_with('.'))
    {
        c.err::<()>(
            n.span(),
            "name",
            "a scenario name becomes a folder name: it must be non-empty, without slashes, and not start with a dot",
        );
    }
    f.name.as_ref().map_or_else(|| default_name.to_string(), |n| n.get_ref().clone())
}

/// The order's tonnes (`None` where invalid).
pub(super) fn tonnes(o: &OrderSpec, c: &mut Ctx) -> Option<Tonnes> {
    c.mass(&o.tonnes, "order.tonnes")
}

/// The order's dates.
pub(super) struct Dates {
    /// Day zero.
    pub(super) start: Date,
    /// Last on-time day.
    pub(super) deadline: Date,
    /// Last simulated day.
    pub(super) horizon: Date,
}

/// Reads the dates first: every time in the file counts from the start. `None` when the
/// start or the deadline cannot be read (nothing else can then be placed in time).
pub(super) fn dates(o: &OrderSpec, c: &mut Ctx) -> Option<Dates> {
    let start = c.date(&o.start, "order.start");
    let deadline = c.date(&o.deadline, "order.deadline");
    let horizon = o.horizon.as_ref().and_then(|h| c.date(h, "order.horizon"));
    let (start, deadline) = (start?, deadline?);
    if deadline < start {
        c.err::<()>(
            o.deadline.span(),
            "order.deadline",
            format!("the deadline {deadline} is before the start {start}"),
        );
    }
    let horizon = horizon.unwrap_or_else(|| deadline.checked_add(365.days()).unwrap_or(deadline));
    let span = o.horizon.as_ref().map_or(o.deadline.span(), Spanned::span);
    if horizon < deadline {
        c.err::<()>(span, "order.horizon", format!("the horizon {horizon} is before the deadline {deadline}"));
    } else if deadline.checked_add(MAX_HORIZON_YEARS.years()).is_ok_and(|limit| horizon > limit) {
        // Every replication records each day up to the horizon: a horizon centuries away
        // would fill memory with days on which nothing of the order can happen.
        c.err_help::<()>(
            span,
            "order.horizon",
            format!("the horizon {horizon} is more than {MAX_HORIZON_YEARS} years after the deadline {deadline}"),
            "an order still incomplete years after its deadline is reported as not complete by the horizon; \
             a horizon a year or two after the deadline says as much",
        );
    }
    Some(Dates { start, deadline, horizon })
}

/// Most years the horizon may lie after the deadline.
const MAX_HORIZON_YEARS: i16 = 10;

/// How the order's results are judged and its lots routed.
pub(super) struct Terms {
    pub(super) confidence: Vec<f64>,
    pub(super) routing: RoutingPolicy,
    pub(super) reallocation: Reallocation,
    pub(super) late_penalty_per_t_day: f64,
    pub(super) lost_tolerance: Tonnes,
}

/// What is ordered, from whom, to where, and where the seller hands it over.
pub(super) struct Demand<'f> {
    /// Product shares, in file order.
    pub(super) mix: Vec<(&'f Name, &'f Spanned<f64>)>,
    /// Destination shares, in file order.
    pub(super) destinations: Vec<(&'f Name, &'f Spanned<f64>)>,
    /// The node each destination names (`None` where unknown).
    pub(super) destination_nodes: Vec<Option<Entity>>,
}

impl<'f> Demand<'f> {
    pub(super) fn products(&self) -> Vec<String> {
        self.mix.iter().map(|(n, _)| n.get_ref().clone()).collect()
    }

    pub(super) fn destination_names(&self) -> Vec<String> {
        self.destinations.iter().map(|(n, _)| n.get_ref().clone()).collect()
    }
}

/// Guards against runaway replications.
pub(super) struct Limits {
    pub(super) max_lots: u32,
    pub(super) max_events: u64,
}

impl<'f> Compiler<'f> {
    fn order(&self) -> &'f OrderSpec {
        self.f.order.get_ref()
    }

    pub(super) fn compile_terms(&mut self) -> Terms {
        let o = self.order();
        let confidence = match &o.confidence {
            None => DEFAULT_CONFIDENCE.to_vec(),
            Some(list) => {
                let mut v = Vec::new();
                for (i, p) in list.get_ref().iter().enumerate() {
                    let x = *p.get_ref();
                    if x.is_finite() && x > 0.0 && x < 1.0 {
                        v.push(x);
                    } else {
                        self.c.err::<()>(
                            p.span(),
                            format!("order.confidence[{i}]"),
                            format!("a confidence level lies strictly between 0 and 1 (got {x})"),
                        );
                    }
                }
                if list.get_ref().is_empty() {
                    self.c.err::<()>(
                        list.span(),
                        "order.confidence",
                        "give at least one confidence level, e.g. [0.9, 0.95, 0.99]",
                    );
                }
                v.sort_by(f64::total_cmp);
                v.dedup();
                v
            }
        };
        let routing = self.c.choice(
            o.routing.as_ref(),
            "order.routing",
            "routing policy",
            &[
                ("shares", RoutingPolicy::Shares, "fixed route shares"),
                ("fastest", RoutingPolicy::Fastest, "shortest expected time given current queues"),
            ],
        );
        let reallocation = self.c.choice(
            o.reallocate.as_ref(),
            "order.reallocate",
            "reallocation rule",
            &[
                ("never", Reallocation::Never, "each mill makes the lots it was given"),
                (
                    "when_idle",
                    Reallocation::WhenIdle,
                    "a line with nothing left to make takes over lots of its product from the mill furthest behind",
                ),
            ],
        );
        let late_penalty_per_t_day = o
            .late_penalty_per_t_day
            .as_ref()
            .and_then(|v| self.c.non_negative(v, "order.late_penalty_per_t_day"))
            .unwrap_or(0.0);
        let lost_tolerance = o
            .lost_tolerance_t
            .as_ref()
            .and_then(|v| {
                let t = self.c.non_negative(v, "order.lost_tolerance_t")?;
                Tonnes::from_t(t).or_else(|| self.c.err(v.span(), "order.lost_tolerance_t", "must be at most 10^12 t"))
            })
            .unwrap_or(Tonnes::ZERO);
        Terms { confidence, routing, reallocation, late_penalty_per_t_day, lost_tolerance }
    }

    /// The order's products and destinations.
    pub(super) fn compile_demand(&mut self) -> Demand<'f> {
        let o = self.order();
        let mix = in_order(o.mix.get_ref());
        self.check_shares(&mix, o.mix.span(), "order.mix", "product");
        if mix.len() > 255 {
            self.c.err::<()>(o.mix.span(), "order.mix", "at most 255 products");
        }
        let destinations = in_order(o.destinations.get_ref());
        self.check_shares(&destinations, o.destinations.span(), "order.destinations", "destination");
        let mut destination_nodes = Vec::new();
        for (n, _) in &destinations {
            let path = format!("order.destinations.{}", n.get_ref());
            destination_nodes.push(self.resolve(n, &path, "node", |e| matches!(e, Entity::Node(_))));
        }
        if destinations.len() > 255 {
            self.c.err::<()>(o.destinations.span(), "order.destinations", "at most 255 destinations");
        }
        Demand { mix, destinations, destination_nodes }
    }

    pub(super) fn compile_limits(&mut self) -> Limits {
        let limits = self.f.limits.as_ref().map(Spanned::get_ref);
        let max_lots = limits
            .and_then(|l| l.max_lots.as_ref())
            .and_then(|v| self.c.count(v, "limits.max_lots", 1))
            .unwrap_or(DEFAULT_MAX_LOTS);
        let max_events = limits
            .and_then(|l| l.max_events.as_ref())
            .and_then(|v| self.c.count(v, "limits.max_events", 1000))
            .map_or(DEFAULT_MAX_EVENTS, u64::from);
        Limits { max_lots, max_events }
    }
}
