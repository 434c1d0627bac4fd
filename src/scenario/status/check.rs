//! Reading a status file: each row checked against the scenario, each problem pinned to
//! its line, column and field, and the whole checked for what no single row shows (tonnes
//! adding up to the order, no stage or yard holding more than it can).

use std::ops::Range;

use super::super::diag::Diagnostic;
use super::super::suggest::did_you_mean;
use super::{COLUMNS, StatusRow, WHATS, What, hours, parse_moment, step_place};
use crate::engine::Time;
use crate::model::World;
use crate::model::ids::{DestinationId, FlowId, Id, MillId, PoolId, ProductId, RouteId, ServerId};
use crate::model::mills::PlannedLot;
use crate::model::status::{CarriersAway, Place, Status, StatusLot};
use crate::model::units::Tonnes;
use crate::model::world::Step;

pub(super) struct Reader<'a> {
    pub(super) w: &'a World,
    pub(super) text: &'a str,
    pub(super) diags: Vec<Diagnostic>,
}

/// A row with where each of its fields is in the text.
struct Located {
    row: StatusRow,
    spans: Vec<Range<usize>>,
    columns: Vec<String>,
    line: u64,
}

impl Located {
    fn span(&self, field: &str) -> Range<usize> {
        let i = self.columns.iter().position(|c| c == field);
        i.and_then(|i| self.spans.get(i).cloned()).unwrap_or_else(|| self.spans.first().cloned().unwrap_or(0..0))
    }

    fn get(&self, field: &str) -> &str {
        match field {
            "as_of" => &self.row.as_of,
            "what" => &self.row.what,
            "lot" => &self.row.lot,
            "tonnes" => &self.row.tonnes,
            "mill" => &self.row.mill,
            "product" => &self.row.product,
            "destination" => &self.row.destination,
            "route" => &self.row.route,
            "at" => &self.row.at,
            "when" => &self.row.when,
            "made" => &self.row.made,
            _ => &self.row.units,
        }
    }
}

/// The byte ranges of the fields of the CSV record starting at `start` (quotes allowed).
fn field_spans(text: &str, start: usize) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let (mut spans, mut i, mut from, mut quoted) = (Vec::new(), start, start, false);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                spans.push(from..i);
                from = i + 1;
            }
            b'\n' | b'\r' if !quoted => break,
            _ => {}
        }
        i += 1;
    }
    spans.push(from..i);
    spans
}

impl Reader<'_> {
    fn error<T>(&mut self, span: Range<usize>, field: &str, message: impl Into<String>) -> Option<T> {
        self.err(span, field, message);
        None
    }

    fn err(&mut self, span: Range<usize>, field: &str, message: impl Into<String>) {
        self.diags.push(Diagnostic::new(span, field, message));
    }

    fn error_help(&mut self, span: Range<usize>, field: &str, message: String, help: String) {
        self.diags.push(Diagnostic::new(span, field, message).help(help));
    }

    pub(super) fn read(&mut self) -> Option<Status> {
        let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(self.text.as_bytes());
        let header = match csv.headers() {
            Ok(h) => h.clone(),
            Err(e) => return self.error(0..0, "", format!("not a CSV table: {e}")),
        };
        let header_spans = field_spans(self.text, 0);
        let columns: Vec<String> = header.iter().map(|c| c.trim().to_string()).collect();
        for (i, c) in columns.iter().enumerate() {
            if !COLUMNS.contains(&c.as_str()) {
                let help = did_you_mean(c, "column", COLUMNS);
                self.error_help(header_spans[i].clone(), c, format!("unknown column `{c}`"), help);
            }
        }
        for required in ["as_of", "what"] {
            if !columns.iter().any(|c| c == required) {
                self.err(0..0, required, format!("the status has no `{required}` column"));
            }
        }
        if !self.diags.is_empty() {
            return None;
        }
        let mut rows = Vec::new();
        for record in csv.records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let at = e.position().map_or(0, |p| p.byte() as usize);
                    self.err(at..at, "", format!("unreadable CSV: {e}"));
                    continue;
                }
            };
            let start = record.position().map_or(0, |p| p.byte() as usize);
            let line = record.position().map_or(0, |p| p.line());
            let spans = field_spans(self.text, start);
            if record.len() != columns.len() {
                self.err(
                    start..start,
                    "",
                    format!("this row has {} fields; the header has {}", record.len(), columns.len()),
                );
                continue;
            }
            let row: StatusRow = match record.deserialize(Some(&header)) {
                Ok(r) => r,
                Err(e) => {
                    self.err(start..start, "", format!("unreadable row: {e}"));
                    continue;
                }
            };
            rows.push(Located { row, spans, columns: columns.clone(), line });
        }
        self.status(&rows, header_spans.get(columns.iter().position(|c| c == "tonnes").unwrap_or(0)).cloned())
    }

    fn status(&mut self, rows: &[Located], tonnes_header: Option<Range<usize>>) -> Option<Status> {
        let w = self.w;
        let Some(first) = rows.first() else {
            return self.error(0..0, "", "the status has no rows");
        };
        let as_of_text = first.row.as_of.trim().to_string();
        let as_of = self.moment(first, "as_of")?;
        if as_of > w.deadline {
            self.err(
                first.span("as_of"),
                "as_of",
                format!("the status date {as_of_text} is after the order's deadline: nothing is left to plan"),
            );
        }
        let mut status = Status { at: as_of, lots: Vec::new(), carriers_away: Vec::new(), background: Vec::new() };
        let mut names: Vec<(String, u64)> = Vec::new();
        // The row of each lot, in the order of `status.lots`.
        let mut lot_rows: Vec<&Located> = Vec::new();
        for r in rows {
            if r.row.as_of.trim() != as_of_text {
                self.err(r.span("as_of"), "as_of", format!("every row must be as of {as_of_text}"));
            }
            let lots = status.lots.len();
            let _ = self.row(r, as_of, &mut status, &mut names);
            if status.lots.len() > lots {
                lot_rows.push(r);
            }
        }
        if !self.diags.is_empty() {
            return None;
        }
        let total: Tonnes = status.lots.iter().map(|l| l.lot.tonnes).sum();
        if total != w.order.tonnes {
            self.err(
                tonnes_header.unwrap_or(0..0),
                "tonnes",
                format!("the lots add up to {total} but the order is {} (order.tonnes)", w.order.tonnes),
            );
        }
        self.capacities(&lot_rows, &status);
        self.diags.is_empty().then_some(status)
    }

    fn row(&mut self, r: &Located, as_of: Time, status: &mut Status, names: &mut Vec<(String, u64)>) -> Option<()> {
        let w = self.w;
        let what_text = r.row.what.trim();
        let Some(what) = WHATS.iter().find(|x| x.0 == what_text).map(|x| x.1) else {
            let help = did_you_mean(what_text, "kind of row", WHATS.iter().map(|x| x.0));
            self.error_help(r.span("what"), "what", format!("unknown kind of row `{what_text}`"), help);
            return None;
        };
        let mut ok = true;
        for field in COLUMNS.iter().skip(2) {
            let needed = what.fields().contains(field);
            let filled = !r.get(field).trim().is_empty();
            if needed && !filled {
                ok = false;
                self.err(r.span(field), field, format!("a `{}` row needs `{field}`", what.name()));
            } else if !needed && filled {
                ok = false;
                self.err(r.span(field), field, format!("a `{}` row has no `{field}`: leave it empty", what.name()));
            }
        }
        if !ok {
            return None;
        }
        let when = match what.fields().contains(&"when") {
            true => Some(self.when(r, as_of)?),
            false => None,
        };
        match what {
            What::CarriersAway => {
                let pool = self.name(r, "at", "pool", w.pools.iter().map(|p| p.name.as_str()))?;
                let units = self.units(r)?;
                let back = when.unwrap_or(as_of).max(as_of);
                status.carriers_away.push(CarriersAway { pool: PoolId::from_index(pool), units, back });
                return Some(());
            }
            What::Background => {
                let flow = self.name(r, "at", "background flow", w.background.iter().map(|b| b.name.as_str()))?;
                let units = self.units(r)?;
                status.background.push((FlowId::from_index(flow), units));
                return Some(());
            }
            _ => {}
        }
        let id = r.row.lot.trim().to_string();
        if let Some((_, line)) = names.iter().find(|n| n.0 == id) {
            let message = format!("lot `{id}` is in two places: here and on line {line}");
            return self.error(r.span("lot"), "lot", message);
        }
        names.push((id.clone(), r.line));
        let mill = MillId::from_index(self.name(r, "mill", "mill", w.mills.iter().map(|m| m.name.as_str()))?);
        let product =
            ProductId::from_index(self.name(r, "product", "product", w.order.products.iter().map(String::as_str))?);
        let destination = DestinationId::from_index(self.name(
            r,
            "destination",
            "destination",
            w.order.destinations.iter().map(String::as_str),
        )?);
        let tonnes = self.tonnes(r, "tonnes")?;
        let spec = &w.mills[mill];
        if !spec.lines.iter().any(|l| l.products.contains(&product)) {
            let message = format!("mill `{}` does not make `{}`", spec.name, w.order.products[product]);
            return self.error(r.span("product"), "product", message);
        }
        if spec.routes[destination].is_empty() {
            let message = format!("no route of the scenario takes `{}` to `{}`", spec.name, r.row.destination.trim());
            return self.error(r.span("destination"), "destination", message);
        }
        let lot = PlannedLot { product, destination, tonnes };
        let place = match what {
            What::ToProduce => Place::ToProduce { made: 0.0 },
            What::Producing => {
                let made = self.number(r, "made")?;
                if !(0.0..=tonnes.t()).contains(&made) {
                    let message = format!("{made} t made of a lot of {tonnes}: made must lie between 0 and the lot");
                    return self.error(r.span("made"), "made", message);
                }
                let line = spec.line_of(product);
                let busy = status.lots.iter().any(|l| {
                    l.mill == mill
                        && matches!(l.place, Place::ToProduce { made } if made > 0.0)
                        && spec.line_of(l.lot.product) == line
                });
                if busy {
                    let message = format!("two lots in production at once on one line of `{}`", spec.name);
                    return self.error(r.span("what"), "what", message);
                }
                Place::ToProduce { made }
            }
            What::Delivered => Place::Delivered { at: when.unwrap_or(as_of) },
            _ => {
                let route = self.route(r, mill, destination)?;
                let (step, busy) = self.step(r, what, route)?;
                Place::OnRoute { route, step, busy, since: when.unwrap_or(as_of) }
            }
        };
        status.lots.push(StatusLot { id, mill, lot, place });
        Some(())
    }

    /// Index of the name in field `field` among `names`.
    fn name<'n>(
        &mut self,
        r: &Located,
        field: &str,
        what: &str,
        names: impl Iterator<Item = &'n str> + Clone,
    ) -> Option<usize> {
        let text = r.get(field).trim();
        if let Some(i) = names.clone().position(|n| n == text) {
            return Some(i);
        }
        let help = did_you_mean(text, what, names);
        self.error_help(r.span(field), field, format!("unknown {what} `{text}`"), help);
        None
    }

    fn number(&mut self, r: &Located, field: &str) -> Option<f64> {
        let text = r.get(field).trim();
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => self.error(r.span(field), field, format!("`{text}` is not a number")),
        }
    }

    fn tonnes(&mut self, r: &Located, field: &str) -> Option<Tonnes> {
        let v = self.number(r, field)?;
        match Tonnes::from_t(v) {
            Some(t) if t > Tonnes::ZERO => Some(t),
            _ => self.error(r.span(field), field, format!("{v} t: a lot must weigh at least 1 kg")),
        }
    }

    fn units(&mut self, r: &Located) -> Option<u32> {
        let text = r.row.units.trim();
        match text.parse::<u32>() {
            Ok(n) if n > 0 => Some(n),
            _ => self.error(r.span("units"), "units", format!("`{text}` is not a whole number above 0")),
        }
    }

    /// A date field as hours since the start, refused before the start.
    fn moment(&mut self, r: &Located, field: &str) -> Option<Time> {
        let dt = match parse_moment(r.get(field)) {
            Ok(dt) => dt,
            Err(e) => return self.error(r.span(field), field, e),
        };
        match Time::new(hours(self.w, dt)) {
            Some(t) => Some(t),
            None => {
                let message = format!("{dt} is before the order's start ({})", self.w.start);
                self.error(r.span(field), field, message)
            }
        }
    }

    fn when(&mut self, r: &Located, as_of: Time) -> Option<Time> {
        let t = self.moment(r, "when")?;
        if t > as_of && r.row.what.trim() != "carriers_away" {
            return self.error(r.span("when"), "when", "after the status date: a status says what has happened");
        }
        if t < as_of && r.row.what.trim() == "carriers_away" {
            return self.error(
                r.span("when"),
                "when",
                "carriers back before the status date are not away: leave the row out",
            );
        }
        Some(t)
    }

    /// The route in field `route`: a scenario route's name (`rail`) or a compiled route's
    /// (`rail:mill->destination`), from the lot's mill to its destination.
    fn route(&mut self, r: &Located, mill: MillId, destination: DestinationId) -> Option<RouteId> {
        let w = self.w;
        let text = r.row.route.trim();
        let candidates = &w.mills[mill].routes[destination];
        let found = candidates
            .iter()
            .map(|c| c.0)
            .find(|&id| w.routes[id].name == text || w.corridors[w.routes[id].corridor] == text);
        if found.is_none() {
            let names = candidates.iter().map(|c| w.corridors[w.routes[c.0].corridor].as_str());
            let help = did_you_mean(text, "route of this lot", names);
            self.error_help(
                r.span("route"),
                "route",
                format!("no route `{text}` from `{}` to `{}`", w.mills[mill].name, r.row.destination.trim()),
                help,
            );
        }
        found
    }

    /// The step of `route` the row's `at` names, and whether the lot is busy there.
    fn step(&mut self, r: &Located, what: What, route: RouteId) -> Option<(u16, bool)> {
        let w = self.w;
        let at = r.row.at.trim();
        let steps = &w.routes[route].steps;
        let named = |s: &Step| step_place(w, *s).is_some_and(|(_, n)| n == at);
        let found = steps.iter().enumerate().find(|(_, s)| {
            named(s)
                && match what {
                    What::Queued => {
                        matches!(s, Step::Serve { .. } | Step::Leg(_) | Step::Acquire(_) | Step::EnterStore(_))
                    }
                    What::InService => matches!(s, Step::Serve { .. } | Step::Dwell(_)),
                    What::Departed => matches!(s, Step::Leg(_)),
                    _ => matches!(s, Step::EnterStore(_)),
                }
        });
        let Some((i, _)) = found else {
            let places: Vec<&str> = steps.iter().filter_map(|s| step_place(w, *s)).map(|(_, n)| n).collect();
            let message = match steps.iter().find(|s| named(s)) {
                Some(s) => {
                    format!("a lot cannot be `{}` at {} `{at}`", what.name(), step_place(w, *s).map_or("", |p| p.0))
                }
                None => format!("`{at}` is not on route `{}`", w.routes[route].name),
            };
            self.error_help(r.span("at"), "at", message, did_you_mean(at, "place on this route", places));
            return None;
        };
        let i = u16::try_from(i).ok()?;
        Some(match what {
            What::InYard => (i + 1, false),
            What::Queued => (i, false),
            _ => (i, true),
        })
    }

    /// No server holds more lots in service than its places, no yard more than its room, and
    /// no pool without supply has more carriers out than it has.
    fn capacities(&mut self, lot_rows: &[&Located], status: &Status) {
        let w = self.w;
        let mut serving: Vec<u32> = vec![0; w.servers.len()];
        let mut yards: Vec<Tonnes> = vec![Tonnes::ZERO; w.stores.len()];
        let mut out: Vec<u64> = vec![0; w.pools.len()];
        for (r, l) in lot_rows.iter().zip(&status.lots) {
            let Place::OnRoute { route, step, busy, .. } = l.place else { continue };
            let (pools, yard) = w.routes[route].held_at(step);
            for p in pools {
                out[p.index()] += u64::from(l.lot.tonnes.carriers(w.pools[p].payload));
            }
            if let Some(x) = yard {
                yards[x.index()] += l.lot.tonnes;
                if yards[x.index()] > w.stores[x].capacity {
                    let message = format!("more in yard `{}` than its {}", w.stores[x].name, w.stores[x].capacity);
                    self.err(r.span("at"), "at", message);
                }
            }
            if let (Step::Serve { server, .. }, true) = (w.routes[route].step(step), busy) {
                let s: ServerId = server;
                serving[s.index()] += 1;
                let places = w.servers[s].capacity_at(status.at.value());
                if serving[s.index()] > places {
                    let message = format!("more lots in service at `{}` than its {places} places", w.servers[s].name);
                    self.err(r.span("what"), "what", message);
                }
            }
        }
        for a in &status.carriers_away {
            out[a.pool.index()] += u64::from(a.units);
        }
        for (p, spec) in w.pools.iter_ids() {
            let changed: i64 = spec.changes.iter().filter(|c| c.0 <= status.at.value()).map(|c| c.1).sum();
            let has = (i64::from(spec.units) + changed).max(0) as u64;
            if spec.supply.is_none() && out[p.index()] > has {
                let message = format!(
                    "the status has {} carriers of pool `{}` out (held by lots or away) but the pool has {has}",
                    out[p.index()],
                    spec.name
                );
                self.err(0..0, "units", message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_spans_follow_commas_outside_quotes() {
        let text = "a,b\nx,\"y,z\",\nnext";
        let start = text.find('x').unwrap();
        let spans: Vec<&str> = field_spans(text, start).into_iter().map(|r| &text[r]).collect();
        assert_eq!(spans, ["x", "\"y,z\"", ""]);
    }
}
