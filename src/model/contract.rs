//! The sales contract the order is shipped under, and what one replication's deliveries mean
//! under it: when the seller has delivered in full (within the quantity tolerance), which
//! call-offs were met and by how much others fell short, and the liquidated damages owed.
//!
//! Where a lot is "delivered" follows the Incoterm (see `docs/contract.md`); the route
//! compiler places the delivery step accordingly, and a replication logs the time and
//! tonnes of each lot's delivery. Everything here works on that log.

use crate::engine::Time;

use super::units::{DAY, Tonnes};

/// The Incoterms 2020 rules for any mode of transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Incoterm {
    /// Ex Works: at the mill gate, before loading.
    Exw,
    /// Free Carrier: loaded at the mill, or on arrival at a named place.
    Fca,
    /// Carriage Paid To: handed to the first carrier.
    Cpt,
    /// Carriage and Insurance Paid To: handed to the first carrier, insured to the place.
    Cip,
    /// Delivered at Place: on arrival at the named place, ready for unloading.
    Dap,
    /// Delivered at Place Unloaded: unloaded at the named place.
    Dpu,
    /// Delivered Duty Paid: cleared for import at the named place.
    Ddp,
}

impl Incoterm {
    /// Every rule, in the order of Incoterms 2020.
    pub const ALL: [Incoterm; 7] =
        [Incoterm::Exw, Incoterm::Fca, Incoterm::Cpt, Incoterm::Cip, Incoterm::Dap, Incoterm::Dpu, Incoterm::Ddp];

    /// The three-letter code.
    pub fn code(self) -> &'static str {
        match self {
            Incoterm::Exw => "EXW",
            Incoterm::Fca => "FCA",
            Incoterm::Cpt => "CPT",
            Incoterm::Cip => "CIP",
            Incoterm::Dap => "DAP",
            Incoterm::Dpu => "DPU",
            Incoterm::Ddp => "DDP",
        }
    }

    /// The rule a code names (any case).
    pub fn parse(code: &str) -> Option<Incoterm> {
        Incoterm::ALL.into_iter().find(|t| t.code().eq_ignore_ascii_case(code))
    }
}

/// Quantities due by a date: the contract's schedule, cumulative.
#[derive(Clone, Debug, PartialEq)]
pub struct CallOff {
    /// The date, as written (for reports).
    pub date: String,
    /// The end of that date, hours since the start.
    pub due: Time,
    /// Tonnes of this call-off.
    pub tonnes: Tonnes,
    /// The least the seller must have delivered by `due`: the tolerance's floor of this and
    /// every earlier call-off.
    pub floor: Tonnes,
}

/// Liquidated damages for late delivery.
#[derive(Clone, Debug, PartialEq)]
pub struct Damages {
    /// Owed per tonne per day of lateness beyond the grace.
    pub per_t_day: f64,
    /// Days of lateness that cost nothing.
    pub grace_days: f64,
    /// The most owed in all (in the contract's currency), when the cap is a share of the
    /// contract's value.
    pub cap: Option<f64>,
    /// The most owed per late tonne, when the cap is a share of the late goods' value (as
    /// in the ICC model contract).
    pub cap_per_t: Option<f64>,
}

impl Damages {
    /// Damages for `tonnes` delivered `late_hours` after their due time (before the grace).
    fn owed(&self, tonnes: Tonnes, late_hours: f64) -> f64 {
        let days = (late_hours / DAY - self.grace_days).max(0.0);
        let per_t = days * self.per_t_day;
        tonnes.t() * self.cap_per_t.map_or(per_t, |cap| per_t.min(cap))
    }
}

/// What caused a loss on a leg, which decides whether a cover pays for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LossCause {
    /// An accident (derailment, overturning, collision, fire): the whole lot.
    Accident,
    /// Partial damage in transit (wetting, handling, shifting): a fraction of the lot.
    Damage,
    /// Theft of part of the lot.
    Pilferage,
}

/// The Institute Cargo Clauses (2009) a policy is written on, from the widest to the
/// narrowest cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cover {
    /// "All risks" but the exclusions: accidents, damage and theft.
    A,
    /// Named perils, among them accidents and the entry of water: no theft.
    B,
    /// Major casualties only (fire, overturning, derailment, collision).
    C,
}

impl Cover {
    /// Whether a policy on these clauses pays for a loss by `cause` (docs/contract.md).
    pub fn covers(self, cause: LossCause) -> bool {
        match cause {
            LossCause::Accident => true,
            LossCause::Damage => matches!(self, Cover::A | Cover::B),
            LossCause::Pilferage => self == Cover::A,
        }
    }

    /// The clauses' letter.
    pub fn letter(self) -> &'static str {
        match self {
            Cover::A => "A",
            Cover::B => "B",
            Cover::C => "C",
        }
    }
}

/// Cargo insurance the seller buys: of the legs at its risk, and for CIP to the place carriage
/// is paid to (for the buyer's benefit after delivery).
#[derive(Clone, Debug, PartialEq)]
pub struct Insurance {
    /// The clauses.
    pub cover: Cover,
    /// The premium, a fraction of the insured value of each lot shipped.
    pub rate: f64,
    /// The war-risk surcharge by country (the legs' `country`), a fraction of the insured
    /// value, paid once per country a lot crosses insured.
    pub war_risk: Vec<(String, f64)>,
    /// The insured value as a multiple of the goods' value (1.1 for the customary 110 %).
    pub insured_share: f64,
    /// The part of each claim the insured bears.
    pub deductible: f64,
}

impl Insurance {
    /// What the insurer pays for a covered loss of goods worth `value`: the insured value
    /// lost less the deductible, never below zero.
    pub fn claim(&self, value: f64) -> f64 {
        (self.insured_share * value - self.deductible).max(0.0)
    }
}

/// The contract's terms, as a replication needs them.
#[derive(Clone, Debug, PartialEq)]
pub struct Contract {
    /// The Incoterm.
    pub incoterm: Incoterm,
    /// The named place(s) (nodes), empty for delivery at the mills.
    pub places: Vec<String>,
    /// Quantity tolerance: the seller's least delivery is (1 - tolerance) of each quantity.
    pub tolerance: f64,
    /// The same in basis points (hundredths of a per cent), for exact floors.
    pub tolerance_bp: u32,
    /// The schedule, by due time; the last call-off's floor is the least the whole order may be.
    pub calloffs: Vec<CallOff>,
    /// Liquidated damages, if the contract has any.
    pub damages: Option<Damages>,
    /// Price per tonne of the order, the mix's average (for reports; damages in % are
    /// already converted).
    pub price_per_t: Option<f64>,
    /// Price per tonne of each product (empty without a price): the value of goods lost
    /// and insured.
    pub prices: Vec<f64>,
    /// Cargo insurance, if the seller buys any (needs the price).
    pub insurance: Option<Insurance>,
}

impl Contract {
    /// The price per tonne of `product`, if the contract has prices.
    pub fn price_of(&self, product: crate::model::ids::ProductId) -> Option<f64> {
        self.prices.get(crate::model::ids::Id::index(product)).copied()
    }

    /// The least the seller may deliver of the whole order.
    pub fn floor(&self) -> Tonnes {
        self.calloffs.last().map_or(Tonnes::ZERO, |c| c.floor)
    }

    /// The floor of `tonnes` under a tolerance of `bp` basis points, in whole kilograms,
    /// rounded up (the floor is a minimum), in integers so that a floor of exact tonnes
    /// stays exact.
    pub fn floor_of(bp: u32, tonnes: Tonnes) -> Tonnes {
        let keep = u128::from(10_000u32.saturating_sub(bp));
        let kg = (u128::from(tonnes.kg()) * keep).div_ceil(10_000);
        Tonnes::from_kg(u64::try_from(kg).unwrap_or(u64::MAX))
    }
}

/// One replication's deliveries judged under the contract.
#[derive(Clone, Debug, PartialEq)]
pub struct ContractOutcome {
    /// When the floor of the whole order had been delivered (`None`: not by the end).
    pub complete: Option<Time>,
    /// Per call-off: tonnes short of its floor at its due time (zero when met).
    pub shortfalls: Vec<Tonnes>,
    /// Liquidated damages owed under the schedule (0 without damages terms).
    pub damages: f64,
    /// The damages reached the cap.
    pub at_cap: bool,
    /// Some owed tonnes were still undelivered at the end: `damages` counts them late only
    /// up to the end, so it is a lower bound.
    pub censored: bool,
}

impl ContractOutcome {
    /// Call-offs met.
    pub fn met(&self) -> usize {
        self.shortfalls.iter().filter(|s| **s == Tonnes::ZERO).count()
    }
}

/// Judges a replication's deliveries (`log`: time and tonnes of each delivery, in time order)
/// under `contract`, the replication having ended at `end`.
pub fn judge(contract: &Contract, log: &[(Time, Tonnes)], end: Time) -> ContractOutcome {
    let delivered_by = |t: Time| -> Tonnes { log.iter().take_while(|(at, _)| *at <= t).map(|(_, w)| *w).sum() };
    let shortfalls = contract.calloffs.iter().map(|c| c.floor - delivered_by(c.due)).collect();
    let mut total = Tonnes::ZERO;
    let complete = log.iter().find_map(|&(at, w)| {
        total += w;
        (total >= contract.floor()).then_some(at)
    });
    let (damages, censored) = match &contract.damages {
        Some(d) => damages_owed(d, &contract.calloffs, log, end),
        None => (0.0, false),
    };
    let capped = contract.damages.as_ref().and_then(|d| d.cap).map_or(damages, |cap| damages.min(cap));
    let at_cap = contract.damages.as_ref().and_then(|d| d.cap).is_some_and(|cap| damages >= cap);
    ContractOutcome { complete, shortfalls, damages: capped, at_cap, censored }
}

/// Damages before the cap: the floor of each call-off is owed at its due time; delivered
/// tonnes pay off the oldest debt first; tonnes still owed at the end are late until then.
fn damages_owed(d: &Damages, calloffs: &[CallOff], log: &[(Time, Tonnes)], end: Time) -> (f64, bool) {
    // What each call-off adds to the debt, with its due time.
    let mut owed: Vec<(Time, Tonnes)> = Vec::with_capacity(calloffs.len());
    let mut before = Tonnes::ZERO;
    for c in calloffs {
        owed.push((c.due, c.floor - before));
        before = c.floor;
    }
    let mut total = 0.0;
    let mut k = 0;
    for &(at, mut w) in log {
        while w > Tonnes::ZERO && k < owed.len() {
            let pay = w.min(owed[k].1);
            total += d.owed(pay, at.value() - owed[k].0.value());
            w -= pay;
            owed[k].1 -= pay;
            if owed[k].1 == Tonnes::ZERO {
                k += 1;
            }
        }
    }
    let mut censored = false;
    for &(due, rest) in &owed[k.min(owed.len())..] {
        if rest > Tonnes::ZERO {
            censored = true;
            total += d.owed(rest, end.value() - due.value());
        }
    }
    (total, censored)
}

/// Damages if the whole floor were due at the end of each day `0..days` (one value per
/// day): what signing each date as the single delivery date would cost in this replication.
/// With one due date the order of payment does not matter, so each day's damages are a sum
/// over the floor's tonnes delivered after it: a tonne late by `h` hours beyond the grace
/// owes the rate for `min(h, cap)` (suffix sums and two moving bounds: one pass over days
/// and lots).
pub fn damages_by_due_day(d: &Damages, floor: Tonnes, log: &[(Time, Tonnes)], end: Time, days: usize) -> Vec<f64> {
    // The floor's tonnes in delivery order (hours, tonnes), then what never came (late to `end`).
    let mut parts: Vec<(f64, f64)> = Vec::with_capacity(log.len() + 1);
    let mut left = floor;
    for &(at, w) in log {
        if left == Tonnes::ZERO {
            break;
        }
        let take = w.min(left);
        parts.push((at.value(), take.t()));
        left -= take;
    }
    if left > Tonnes::ZERO {
        parts.push((end.value(), left.t()));
    }
    // Suffix sums of tonnes and tonne-hours.
    let (mut w_after, mut wt_after) = (vec![0.0; parts.len() + 1], vec![0.0; parts.len() + 1]);
    for i in (0..parts.len()).rev() {
        w_after[i] = w_after[i + 1] + parts[i].1;
        wt_after[i] = wt_after[i + 1] + parts[i].1 * parts[i].0;
    }
    // Hours of lateness beyond which a tonne owes no more (the cap per late tonne).
    let longest = match d.cap_per_t {
        Some(cap) if d.per_t_day > 0.0 => cap / d.per_t_day * DAY,
        Some(_) => 0.0,
        None => f64::INFINITY,
    };
    let rate_per_t_hour = d.per_t_day / DAY;
    let (mut late, mut capped) = (0, 0);
    (0..days)
        .map(|day| {
            // Late beyond the grace: delivered after the end of `day` plus the grace.
            let from = (day as f64 + 1.0 + d.grace_days) * DAY;
            while late < parts.len() && parts[late].0 <= from {
                late += 1;
            }
            while capped < parts.len() && parts[capped].0 <= from + longest {
                capped += 1;
            }
            let capped = capped.max(late);
            // Tonnes late by less than `longest` owe for their lateness; later ones, the cap.
            let (w, wt) = (w_after[late] - w_after[capped], wt_after[late] - wt_after[capped]);
            let at_cap = if w_after[capped] > 0.0 { longest * w_after[capped] } else { 0.0 };
            let owed = rate_per_t_hour * ((wt - from * w) + at_cap);
            d.cap.map_or(owed, |cap| owed.min(cap))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: f64) -> Time {
        Time::new(h).unwrap()
    }

    fn tonnes(x: f64) -> Tonnes {
        Tonnes::from_t(x).unwrap()
    }

    /// 300 t in three call-offs of 100 t due at the end of days 10, 20, 30, with 10 %
    /// tolerance: floors 90, 180, 270 t.
    fn contract(damages: Option<Damages>) -> Contract {
        let mut ordered = Tonnes::ZERO;
        let calloffs = [10.0, 20.0, 30.0]
            .iter()
            .map(|day| {
                ordered += tonnes(100.0);
                let floor = Contract::floor_of(1000, ordered);
                CallOff { date: String::new(), due: t(day * DAY), tonnes: tonnes(100.0), floor }
            })
            .collect();
        Contract {
            incoterm: Incoterm::Dap,
            places: vec![],
            tolerance: 0.1,
            tolerance_bp: 1000,
            calloffs,
            damages,
            price_per_t: None,
            prices: Vec::new(),
            insurance: None,
        }
    }

    #[test]
    fn call_offs_are_met_against_their_cumulative_floor() {
        let c = contract(None);
        assert_eq!(c.floor(), tonnes(270.0));
        // 100 t on day 5, 50 t on day 15, 150 t on day 35.
        let log = [(t(5.0 * DAY), tonnes(100.0)), (t(15.0 * DAY), tonnes(50.0)), (t(35.0 * DAY), tonnes(150.0))];
        let o = judge(&c, &log, t(40.0 * DAY));
        // By day 10: 100 >= 90; by day 20: 150 < 180 (30 short); by day 30: 150 < 270 (120 short).
        assert_eq!(o.shortfalls, [Tonnes::ZERO, tonnes(30.0), tonnes(120.0)]);
        assert_eq!(o.met(), 1);
        assert_eq!(o.complete, Some(t(35.0 * DAY)), "270 t reached with the last delivery");
        assert_eq!((o.damages, o.censored), (0.0, false));
    }

    #[test]
    fn damages_pay_the_oldest_debt_first_after_the_grace() {
        let d = Damages { per_t_day: 2.0, grace_days: 1.0, cap: None, cap_per_t: None };
        let c = contract(Some(d));
        let log = [(t(5.0 * DAY), tonnes(100.0)), (t(15.0 * DAY), tonnes(50.0)), (t(35.0 * DAY), tonnes(150.0))];
        let o = judge(&c, &log, t(40.0 * DAY));
        // Debts: 90 t due day 10, 90 t due day 20, 90 t due day 30.
        // Day 5: 90 t pays call-off 1 on time; 10 t go to call-off 2 early.
        // Day 15: 50 t to call-off 2 (early); 30 t of it remain.
        // Day 35: 30 t of call-off 2, 15 days late (14 after grace): 30 x 14 x 2 = 840;
        //         90 t of call-off 3, 5 days late (4 after grace): 90 x 4 x 2 = 720.
        assert!((o.damages - 1560.0).abs() < 1e-9, "{}", o.damages);
        assert!(!o.censored && !o.at_cap);
    }

    #[test]
    fn undelivered_tonnes_are_late_until_the_end_and_the_cap_binds() {
        let d = Damages { per_t_day: 1.0, grace_days: 0.0, cap: Some(1000.0), cap_per_t: None };
        let c = contract(Some(d.clone()));
        // Only 90 t ever arrive, on time: 180 t remain owed at the end (day 50).
        let log = [(t(2.0 * DAY), tonnes(90.0))];
        let uncapped = damages_owed(&d, &c.calloffs, &log, t(50.0 * DAY));
        // 90 t of call-off 2 late 30 days, 90 t of call-off 3 late 20 days.
        assert!((uncapped.0 - (90.0 * 30.0 + 90.0 * 20.0)).abs() < 1e-9, "{uncapped:?}");
        assert!(uncapped.1, "censored: owed tonnes never came");
        let o = judge(&c, &log, t(50.0 * DAY));
        assert_eq!((o.damages, o.at_cap, o.censored, o.complete), (1000.0, true, true, None));
    }

    #[test]
    fn a_single_due_date_costs_what_its_lateness_does() {
        let d = Damages { per_t_day: 1.0, grace_days: 0.0, cap: None, cap_per_t: None };
        // 270 t owed in all; 100 t at the end of day 2, 200 t at the end of day 4.
        let log = [(t(2.0 * DAY), tonnes(100.0)), (t(4.0 * DAY), tonnes(200.0))];
        let by_day = damages_by_due_day(&d, tonnes(270.0), &log, t(10.0 * DAY), 5);
        // Due end of day 0 (hour 24): 100 t 1 day late + 170 t 3 days late = 610.
        // End of day 1: 100 x 0 + 170 x 2 = 340. End of day 2: 170. Then nothing.
        assert_eq!(by_day, [610.0, 340.0, 170.0, 0.0, 0.0]);
    }

    #[test]
    fn the_day_by_day_damages_agree_with_a_one_call_off_schedule() {
        let d = Damages { per_t_day: 3.0, grace_days: 2.0, cap: Some(5000.0), cap_per_t: Some(10.0) };
        let floor = tonnes(250.0);
        let log: Vec<(Time, Tonnes)> = [(1.5, 40.0), (3.25, 60.0), (7.0, 80.0), (7.0, 10.0), (12.75, 30.0)]
            .map(|(day, w)| (t(day * DAY), tonnes(w)))
            .into();
        let end = t(20.0 * DAY);
        let by_day = damages_by_due_day(&d, floor, &log, end, 15);
        for (day, got) in by_day.iter().enumerate() {
            let due = t((day as f64 + 1.0) * DAY);
            let schedule = [CallOff { date: String::new(), due, tonnes: floor, floor }];
            let want = damages_owed(&d, &schedule, &log, end).0.min(5000.0);
            assert!((got - want).abs() < 1e-6, "day {day}: {got} vs {want}");
        }
    }

    #[test]
    fn floors_are_exact_in_kilograms() {
        // 300,000 t less 18 %: 246,000 t, not 246,000.001 t.
        assert_eq!(Contract::floor_of(1800, tonnes(300_000.0)), tonnes(246_000.0));
        assert_eq!(Contract::floor_of(4100, tonnes(48.0)), tonnes(28.32));
        assert_eq!(Contract::floor_of(0, tonnes(7.0)), tonnes(7.0));
        assert_eq!(Contract::floor_of(1, Tonnes::from_kg(1)), Tonnes::from_kg(1), "rounded up: a minimum");
    }

    #[test]
    fn a_cap_per_late_tonne_limits_each_tonne() {
        // 1 per tonne per day, at most 2 per tonne: 90 t of call-off 2 late 30 days owe 180,
        // not 2,700.
        let d = Damages { per_t_day: 1.0, grace_days: 0.0, cap: None, cap_per_t: Some(2.0) };
        let c = contract(Some(d.clone()));
        let log = [(t(2.0 * DAY), tonnes(90.0))];
        let (owed, _) = damages_owed(&d, &c.calloffs, &log, t(50.0 * DAY));
        assert!((owed - (90.0 * 2.0 + 90.0 * 2.0)).abs() < 1e-9, "{owed}");
    }

    #[test]
    fn incoterm_codes_read_any_case() {
        assert_eq!(Incoterm::parse("dap"), Some(Incoterm::Dap));
        assert_eq!(Incoterm::parse("FOB"), None, "FOB is for sea and inland waterway transport only");
        assert!(Incoterm::ALL.iter().all(|t| Incoterm::parse(t.code()) == Some(*t)));
    }
}
