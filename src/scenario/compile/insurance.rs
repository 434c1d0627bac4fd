//! `[contract.insurance]` and what a lot's premium is on each route: the base rate and the
//! war-risk surcharge of each country the lot crosses while insured.

use toml::Spanned;

use super::Compiler;
use crate::model::contract::{Cover, Incoterm, Insurance};
use crate::model::ids::{IdVec, LegId};
use crate::model::world::{LegSpec, Route, Step};
use crate::scenario::schema::InsuranceSpec;
use crate::scenario::suggest::did_you_mean;

impl Compiler<'_> {
    /// The policy, checked against the legs' countries; `price` is the contract's.
    pub(super) fn insurance(&mut self, spec: &Spanned<InsuranceSpec>, price: Option<f64>) -> Option<Insurance> {
        let s = spec.get_ref();
        if price.is_none() {
            self.c.err_help::<()>(
                spec.span(),
                "contract.insurance",
                "insurance is a share of the goods' value, which needs a price",
                "give `contract.price_per_t`",
            );
        }
        let cover = match s.cover.get_ref().to_uppercase().as_str() {
            "A" => Some(Cover::A),
            "B" => Some(Cover::B),
            "C" => Some(Cover::C),
            _ => self.c.err_help(
                s.cover.span(),
                "contract.insurance.cover",
                format!("unknown cover `{}`", s.cover.get_ref()),
                "the Institute Cargo Clauses: \"A\" (all risks), \"B\" or \"C\" (major casualties only)",
            ),
        };
        let rate = self.pct(&s.rate_pct, "contract.insurance.rate_pct", 100.0);
        let insured_pct = match &s.insured_pct {
            Some(v) => match *v.get_ref() {
                x if x.is_finite() && (100.0..=200.0).contains(&x) => Some(x),
                x => self.c.err_help(
                    v.span(),
                    "contract.insurance.insured_pct",
                    format!("the insured value is from 100 to 200 per cent of the goods' value (got {x})"),
                    "110 is customary (Incoterms 2020 for CIP and CIF)",
                ),
            },
            None => Some(110.0),
        };
        let deductible =
            s.deductible.as_ref().and_then(|d| self.c.non_negative(d, "contract.insurance.deductible")).unwrap_or(0.0);
        let countries: Vec<String> = {
            let mut c: Vec<String> = self.legs.iter().filter_map(|l| l.country.clone()).collect();
            c.sort();
            c.dedup();
            c
        };
        let mut war_risk = Vec::new();
        for (country, v) in s.war_risk_pct.as_ref().map(|w| w.get_ref().iter()).into_iter().flatten() {
            let path = format!("contract.insurance.war_risk_pct.{country}");
            if !countries.contains(country) {
                let span = s.war_risk_pct.as_ref().map_or(spec.span(), Spanned::span);
                self.c.err_help::<()>(
                    span,
                    &path,
                    format!("no leg runs through `{country}`, so its surcharge would never apply"),
                    format!(
                        "give legs a `country`; {}",
                        did_you_mean(country, "country", countries.iter().map(String::as_str))
                    ),
                );
                continue;
            }
            if let Some(r) = self.pct(v, &path, 10.0) {
                war_risk.push((country.clone(), r));
            }
        }
        Some(Insurance { cover: cover?, rate: rate?, war_risk, insured_share: insured_pct? / 100.0, deductible })
    }

    /// A percentage from 0 to `most`, as a fraction.
    fn pct(&mut self, v: &Spanned<f64>, path: &str, most: f64) -> Option<f64> {
        match *v.get_ref() {
            x if x.is_finite() && (0.0..=most).contains(&x) => Some(x / 100.0),
            x => self.c.err(v.span(), path, format!("a percentage from 0 to {most} (got {x})")),
        }
    }
}

/// The premium of a lot on `route`, a fraction of its insured value: nothing if it crosses
/// no leg insured, else the base rate and the surcharge of each country it crosses insured.
/// A lot is insured until the risk passes to the buyer, and under CIP until the place
/// carriage is paid to (the seller insures the main carriage for the buyer).
pub(super) fn premium_rate(
    route: &Route,
    legs: &IdVec<LegId, LegSpec>,
    insurance: &Insurance,
    incoterm: Incoterm,
) -> f64 {
    let until = if incoterm == Incoterm::Cip { Step::CostsPass } else { Step::Handover };
    let mut countries: Vec<&str> = Vec::new();
    let mut any = false;
    for step in route.steps.iter().take_while(|s| **s != until) {
        if let Step::Leg(leg) = step {
            any = true;
            if let Some(c) = &legs[*leg].country
                && !countries.contains(&c.as_str())
            {
                countries.push(c);
            }
        }
    }
    if !any {
        return 0.0;
    }
    let war: f64 = insurance.war_risk.iter().filter(|(c, _)| countries.contains(&c.as_str())).map(|(_, r)| r).sum();
    insurance.rate + war
}
