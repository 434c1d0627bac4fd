//! The stages of a node or mill: servers (with calendars, failures, inspections and
//! rework) and dwells.

use toml::Spanned;

use super::Compiler;
use super::routes::StageRef;
use crate::engine::Discipline;
use crate::model::units::DAY;
use crate::model::world::{Chance, DwellSpec, Failures, ServerSpec, Service};
use crate::scenario::schema::{ChanceSpec, FailureSpec, StageSpec};
use crate::scenario::values::{self, Kind};

impl Compiler<'_> {
    pub(super) fn failures(&mut self, f: &Option<Spanned<FailureSpec>>, path: &str) -> Option<Failures> {
        let f = f.as_ref()?;
        let between = self.c.dist(&f.get_ref().between, Kind::Duration, 1.0, &format!("{path}.failures.between"));
        let repair = self.c.dist(&f.get_ref().repair, Kind::Duration, 1.0, &format!("{path}.failures.repair"));
        let (between, repair) = (between?, repair?);
        if between.mean() <= 0.0 {
            return self.c.err(
                f.get_ref().between.span(),
                format!("{path}.failures.between"),
                "the time between failures must have a positive mean, or the stage would fail endlessly",
            );
        }
        Some(Failures { between, repair })
    }

    pub(super) fn chance(&mut self, ch: &Option<Spanned<ChanceSpec>>, path: &str, below_one: bool) -> Option<Chance> {
        let ch = ch.as_ref()?;
        let p = self.c.probability(&ch.get_ref().p, &format!("{path}.p"), below_one);
        let time = self.c.dist(&ch.get_ref().time, Kind::Duration, 1.0, &format!("{path}.time"));
        Some(Chance { p: p?, time: time? })
    }

    /// Compiles one stage of a node or mill.
    pub(super) fn stage(
        &mut self,
        owner: &str,
        owner_path: &str,
        i: usize,
        st: &Spanned<StageSpec>,
        seen: &mut Vec<String>,
    ) -> Option<StageRef> {
        let s = st.get_ref();
        let sname = s.name.get_ref();
        let path = format!("{owner_path}.stages[{i}]");
        self.c.label(s.label.as_ref(), &path);
        let qualified = format!("{owner}.{sname}");
        if sname.is_empty() || sname.contains(['.', ' ']) || sname == "yard" {
            return self.c.err_help(
                s.name.span(),
                format!("{path}.name"),
                format!("`{sname}` is not a usable stage name"),
                "stage names are non-empty, without dots or spaces, and not `yard` (which names the node's yard)",
            );
        }
        if seen.contains(sname) {
            return self.c.err(
                s.name.span(),
                format!("{path}.name"),
                format!("`{owner}` already has a stage called `{sname}`"),
            );
        }
        seen.push(sname.clone());
        let ends_here = s.ends_here.as_ref().is_some_and(|b| *b.get_ref());
        if let Some(dwell) = &s.dwell {
            let extras: [(&str, Option<std::ops::Range<usize>>); 15] = [
                ("changes", s.changes.first().map(Spanned::span)),
                ("cost_per_t", s.cost_per_t.as_ref().map(Spanned::span)),
                ("cost_per_lot", s.cost_per_lot.as_ref().map(Spanned::span)),
                ("capacity", s.capacity.as_ref().map(Spanned::span)),
                ("service", s.service.as_ref().map(Spanned::span)),
                ("service_per_carrier", s.service_per_carrier.as_ref().map(Spanned::span)),
                ("rate_t_per_day", s.rate_t_per_day.as_ref().map(Spanned::span)),
                ("transload", s.transload.as_ref().map(Spanned::span)),
                ("through_only", s.through_only.as_ref().map(Spanned::span)),
                ("through_service_per_carrier", s.through_service_per_carrier.as_ref().map(Spanned::span)),
                ("calendar", s.calendar.as_ref().map(Spanned::span)),
                ("failures", s.failures.as_ref().map(Spanned::span)),
                ("inspection", s.inspection.as_ref().map(Spanned::span)),
                ("rework", s.rework.as_ref().map(Spanned::span)),
                ("queue", s.queue.as_ref().map(Spanned::span)),
            ];
            for (field, span) in extras {
                if let Some(span) = span {
                    self.c.err_help::<()>(span, format!("{path}.{field}"), format!("a dwell stage has no `{field}`"), "a stage with `dwell` only takes time (no capacity, no queue); remove `dwell` to make it a server");
                }
            }
            // A bad time is reported, and the stage still registered with a stand-in (the
            // scenario is refused anyway) so that references to it raise no false errors.
            let time = self
                .c
                .dist(dwell, Kind::Duration, 1.0, &format!("{path}.dwell"))
                .unwrap_or_else(|| crate::engine::Dist::fixed(0.0).expect("zero is a valid fixed value"));
            let id = self.dwells.next_id();
            self.dwells.push(DwellSpec { name: qualified.clone(), time });
            let r = StageRef::Dwell { id, ends_here };
            self.stage_names.insert(qualified, r);
            return Some(r);
        }
        let capacity = match &s.capacity {
            Some(c) => self.c.count(c, &format!("{path}.capacity"), 1),
            None => self.c.err_help(
                st.span(),
                &path,
                format!("stage `{qualified}` needs a `capacity` (parallel servers)"),
                "or give it only a `dwell` to make it a pure waiting stage",
            ),
        };
        let given: Vec<(&str, &Spanned<values::DistSpec>)> = [
            ("service", s.service.as_ref()),
            ("service_per_carrier", s.service_per_carrier.as_ref()),
            ("rate_t_per_day", s.rate_t_per_day.as_ref()),
        ]
        .into_iter()
        .filter_map(|(n, v)| v.map(|v| (n, v)))
        .collect();
        let service = match given.as_slice() {
            [(n, spec)] => {
                let p = format!("{path}.{n}");
                match *n {
                    "service" => self.c.dist(spec, Kind::Duration, 1.0, &p).map(Service::PerLot),
                    "service_per_carrier" => self.c.dist(spec, Kind::Duration, 1.0, &p).map(Service::PerCarrier),
                    _ => self.c.dist(spec, Kind::Number, 1.0 / DAY, &p).and_then(|d| {
                        if d.mean() > 0.0 { Some(Service::Rate(d)) } else { self.c.err(spec.span(), &p, "a handling rate must have a positive mean") }
                    }),
                }
            }
            [] => self.c.err_help(st.span(), &path, format!("stage `{qualified}` needs a service time"), "give one of `service` (per lot), `service_per_carrier` (per wagon or truck) or `rate_t_per_day`"),
            [_, (n2, spec2), ..] => self.c.err(spec2.span(), format!("{path}.{n2}"), format!("stage `{qualified}` has more than one service time; keep one of `service`, `service_per_carrier`, `rate_t_per_day`")),
        };
        let transload = s.transload.as_ref().is_some_and(|b| *b.get_ref());
        let through_service = match &s.through_service_per_carrier {
            Some(t) if !transload => self.c.err(
                t.span(),
                format!("{path}.through_service_per_carrier"),
                "only a `transload = true` stage can serve carriers that stay on",
            ),
            Some(t) => self
                .c
                .dist(t, Kind::Duration, 1.0, &format!("{path}.through_service_per_carrier"))
                .map(Service::PerCarrier),
            None => None,
        };
        let calendar = self.calendar(&s.calendar, &format!("{path}.calendar"));
        let failures = self.failures(&s.failures, &path);
        let inspection = self.chance(&s.inspection, &format!("{path}.inspection"), false);
        let rework = self.chance(&s.rework, &format!("{path}.rework"), true);
        let discipline = self.c.choice(
            s.queue.as_ref(),
            &format!("{path}.queue"),
            "queue discipline",
            &[
                ("fifo", Discipline::Fifo, ""),
                ("order_first", Discipline::Priority, "the order's lots before background traffic"),
            ],
        );
        let cost_per_t =
            s.cost_per_t.as_ref().and_then(|v| self.c.non_negative(v, &format!("{path}.cost_per_t"))).unwrap_or(0.0);
        let cost_per_lot = s
            .cost_per_lot
            .as_ref()
            .and_then(|v| self.c.non_negative(v, &format!("{path}.cost_per_lot")))
            .unwrap_or(0.0);
        let rows: Vec<_> = s.changes.iter().map(|r| (&r.get_ref().at, &r.get_ref().capacity)).collect();
        let changes = self.dated_values(&rows, &path, "capacity", 1);
        // A bad capacity or service is reported, and the stage still registered with stand-ins
        // (the scenario is refused anyway) so that references to it raise no false errors.
        let capacity = capacity.unwrap_or(1);
        let service = service
            .unwrap_or_else(|| Service::PerLot(crate::engine::Dist::fixed(1.0).expect("one is a valid fixed value")));
        let id = self.servers.next_id();
        self.servers.push(ServerSpec {
            name: qualified.clone(),
            capacity,
            service,
            through_service,
            transload,
            calendar,
            failures,
            inspection,
            rework,
            discipline,
            cost_per_t,
            cost_per_lot,
            changes,
        });
        let through_only = s.through_only.as_ref().is_some_and(|b| *b.get_ref());
        if through_only && transload {
            let span = s.through_only.as_ref().map(Spanned::span).unwrap_or_default();
            self.c.err_help::<()>(
                span,
                format!("{path}.through_only"),
                "a stage cannot both transload and serve only carriers that stay on",
                "make two stages: the transload, and a `through_only` bogie exchange",
            );
        }
        let r = StageRef::Server {
            id,
            transload,
            through: self.servers[id].through_service.is_some(),
            through_only,
            ends_here,
        };
        self.stage_names.insert(qualified, r);
        Some(r)
    }
}
