//! Losses in transit and their insurance, on the contract fixture with every time fixed and
//! every loss certain: premiums, claims and who bears each loss equal hand-computed values.

use steelsim::experiment::{ContractRow, Plan, Row, run};
use steelsim::scenario;

use super::contract::text;

/// The fixture (`contract::text`) with `terms` in `[contract]` and `losses` added to leg
/// `leg`, which runs through `IR`.
fn one_run(terms: &str, leg: &str, losses: &str) -> (Row, ContractRow) {
    let header = format!("[legs.{leg}]\n");
    let t = text(terms);
    assert!(t.contains(&header), "the fixture has leg {leg}");
    let t = t.replace(&header, &format!("{header}country = \"IR\"\n{losses}\n"));
    let w = scenario::load_str(&t, "i.toml", "i").unwrap_or_else(|e| panic!("{}", e.render(false)));
    let out = run(&w, &Plan { replications: 1, seed: 1, threads: Some(1), trace: None }, &mut |_| {}).unwrap();
    let row = out.rows.to_vec()[0];
    let k = row.contract.expect("a contract row");
    (row, k)
}

/// The tonnes lost, in order, when a lot of `kg` loses `fraction` of itself on a leg every
/// lot crosses: each lost part is made again and crosses it too, until a part rounds to
/// nothing (parts are whole kilograms, rounded down).
fn parts(kg: u64, fraction: f64) -> Vec<f64> {
    let (mut out, mut kg) = (Vec::new(), kg);
    loop {
        let part = (kg as f64 * fraction).floor() as u64;
        if part == 0 {
            return out;
        }
        out.push(part as f64 / 1000.0);
        kg = part;
    }
}

fn close(a: f64, b: f64) -> bool {
    // Equal up to the order of summation.
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

const PRICE: f64 = 100.0;

#[test]
fn a_certain_damage_is_claimed_at_the_insured_value_less_the_deductible() {
    // DAP at the destination: the leg to the border is at the seller's risk and insured.
    let terms = "incoterm = \"DAP\"\nplace = \"dest\"\nprice_per_t = 100\n\
                 [contract.insurance]\ncover = \"A\"\nrate_pct = 0.5\ndeductible = 10\nwar_risk_pct = { IR = 0.1 }";
    let (row, k) = one_run(terms, "to_border", "damage = { p = 1, fraction = 0.25 }");
    // Both 24 t lots lose a quarter on the way, and so does each part made again.
    let lost: Vec<f64> = [parts(24_000, 0.25), parts(24_000, 0.25)].concat();
    assert_eq!(lost[..3], [6.0, 1.5, 0.375]);
    let lost_t: f64 = lost.iter().sum();
    assert!(close(row.lost.t(), lost_t), "{} vs {lost_t}", row.lost.t());
    // The insured value is 110 % of the goods' value; the deductible comes off each claim.
    let claim = |t: f64| (1.1 * PRICE * t - 10.0).max(0.0);
    let claims: f64 = lost.iter().map(|&t| claim(t)).sum();
    assert!(close(k.claims, claims), "claims {} vs {claims}", k.claims);
    // Every lot shipped, the parts made again too, pays 0.5 % + 0.1 % (war risk in IR) of
    // its insured value.
    let premium = 0.006 * 1.1 * PRICE * (48.0 + lost_t);
    assert!(close(k.premium, premium), "premium {} vs {premium}", k.premium);
    // The seller bears what the claims do not pay; nothing is at the buyer's risk yet.
    let seller: f64 = lost.iter().map(|&t| (PRICE * t - claim(t)).max(0.0)).sum();
    assert!(close(k.seller_loss, seller) && seller > 0.0, "seller {} vs {seller}", k.seller_loss);
    assert_eq!(k.buyer_loss, 0.0);
    // Everything still arrives: the order is whole at the end.
    assert!(close(row.delivered.t(), 48.0));
}

#[test]
fn after_delivery_the_loss_is_the_buyers_and_the_sellers_policy_no_longer_pays() {
    // DAP at the border: the leg to the destination is at the buyer's risk, so it is not
    // insured (and no premium is paid for it), and its losses are the buyer's.
    let terms = "incoterm = \"DAP\"\nplace = \"border\"\nprice_per_t = 100\n\
                 [contract.insurance]\ncover = \"A\"\nrate_pct = 0.5\nwar_risk_pct = { IR = 0.1 }";
    let (row, k) = one_run(terms, "to_dest", "pilferage = { p = 1, fraction = 0.5 }");
    let lost: Vec<f64> = [parts(24_000, 0.5), parts(24_000, 0.5)].concat();
    let lost_t: f64 = lost.iter().sum();
    assert!(close(row.lost.t(), lost_t));
    assert_eq!((k.claims, k.seller_loss), (0.0, 0.0));
    assert!(close(k.buyer_loss, PRICE * lost_t), "{} vs {}", k.buyer_loss, PRICE * lost_t);
    // Insured up to the border, where the leg in IR does not run: the base rate only.
    let premium = 0.005 * 1.1 * PRICE * (48.0 + lost_t);
    assert!(close(k.premium, premium), "premium {} vs {premium}", k.premium);
}

#[test]
fn under_cip_the_sellers_policy_pays_the_buyers_claims_to_the_place() {
    // CIP: risk passes at the first carrier, but the seller insures to the destination.
    let terms = "incoterm = \"CIP\"\nplace = \"dest\"\nprice_per_t = 100\n\
                 [contract.insurance]\ncover = \"A\"\nrate_pct = 0.5";
    let (_, k) = one_run(terms, "to_dest", "damage = { p = 1, fraction = 0.25 }");
    let lost: Vec<f64> = [parts(24_000, 0.25), parts(24_000, 0.25)].concat();
    let claims: f64 = lost.iter().map(|&t| 1.1 * PRICE * t).sum();
    assert!(close(k.claims, claims));
    // 110 % covers the whole value: nobody is left with a loss.
    assert_eq!((k.seller_loss, k.buyer_loss), (0.0, 0.0));
}

#[test]
fn a_narrower_cover_leaves_theft_and_damage_to_the_seller() {
    for (cover, losses, claimed) in [
        ("A", "pilferage = { p = 1, fraction = 0.5 }", true),
        ("B", "pilferage = { p = 1, fraction = 0.5 }", false), // theft is not a named peril
        ("B", "damage = { p = 1, fraction = 0.5 }", true),
        ("C", "damage = { p = 1, fraction = 0.5 }", false), // nor, under C, is damage
        ("C", "incident_p = 0.0", true),                    // (nothing lost: nothing claimed)
    ] {
        let terms = format!(
            "incoterm = \"DAP\"\nplace = \"dest\"\nprice_per_t = 100\n\
             [contract.insurance]\ncover = \"{cover}\"\nrate_pct = 0.5"
        );
        let (row, k) = one_run(&terms, "to_border", losses);
        let value = PRICE * row.lost.t();
        if claimed {
            assert!(close(k.claims, 1.1 * value) && k.seller_loss == 0.0, "{cover} {losses}: {k:?}");
        } else {
            assert!(k.claims == 0.0 && close(k.seller_loss, value) && value > 0.0, "{cover} {losses}: {k:?}");
        }
    }
}

#[test]
fn a_policy_without_a_premium_still_pays_its_claims() {
    // Whether a lot is insured follows where it is, not whether its route paid a premium.
    let terms = "incoterm = \"DAP\"\nplace = \"dest\"\nprice_per_t = 100\n\
                 [contract.insurance]\ncover = \"A\"\nrate_pct = 0";
    let (row, k) = one_run(terms, "to_border", "damage = { p = 1, fraction = 0.25 }");
    assert_eq!(k.premium, 0.0);
    assert!(close(k.claims, 1.1 * PRICE * row.lost.t()) && k.claims > 0.0, "{k:?}");
}

#[test]
fn insurance_terms_that_cannot_mean_what_they_say_are_refused() {
    let dap = "incoterm = \"DAP\"\nplace = \"dest\"\n";
    for (terms, leg_losses, says) in [
        ("[contract.insurance]\ncover = \"A\"\nrate_pct = 0.5", "", "needs a price"),
        ("price_per_t = 100\n[contract.insurance]\ncover = \"D\"\nrate_pct = 0.5", "", "unknown cover `D`"),
        ("price_per_t = 100\n[contract.insurance]\ncover = \"A\"\nrate_pct = 150", "", "a percentage from 0 to 100"),
        (
            "price_per_t = 100\n[contract.insurance]\ncover = \"A\"\nrate_pct = 0.5\ninsured_pct = 90",
            "",
            "from 100 to 200",
        ),
        (
            "price_per_t = 100\n[contract.insurance]\ncover = \"A\"\nrate_pct = 0.5\nwar_risk_pct = { TM = 1 }",
            "",
            "no leg runs through `TM`",
        ),
        ("", "damage = { p = 0.1, fraction = 1 }", "the whole lot"),
        ("", "damage = { p = 0.1, fraction = { dist = \"exponential\", mean = 0.1 } }", "not bounded by 1"),
        ("", "pilferage = { p = 1.5, fraction = 0.1 }", "probability"),
    ] {
        let t = text(&format!("{dap}{terms}"))
            .replace("[legs.to_border]\n", &format!("[legs.to_border]\ncountry = \"IR\"\n{leg_losses}\n"));
        let e = scenario::load_str(&t, "i.toml", "i").unwrap_err().render(false);
        assert!(e.contains("i.toml:") && e.contains(says), "{terms} {leg_losses}: expected `{says}` in\n{e}");
    }
}

#[test]
fn a_price_per_product_values_each_lot_at_its_own_price() {
    // One product: a table with its price is the same contract as the number.
    let terms = |price: &str| {
        format!(
            "incoterm = \"DAP\"\nplace = \"dest\"\nprice_per_t = {price}\n\
             [contract.insurance]\ncover = \"A\"\nrate_pct = 0.5\ndeductible = 10"
        )
    };
    let losses = "damage = { p = 1, fraction = 0.25 }";
    let (_, by_number) = one_run(&terms("100"), "to_border", losses);
    let (_, by_table) = one_run(&terms("{ steel = 100 }"), "to_border", losses);
    assert_eq!(by_number, by_table);
    // A price for something not in the mix, or none for something in it, is refused.
    for (price, says) in [
        ("{ steal = 100 }", "did you mean `steel`"),
        ("{ steel = 0 }", "greater than zero"),
        ("{ }", "no price for `steel`"),
        ("\"cheap\"", "greater than zero"),
    ] {
        let t = text(&terms(price));
        let e = scenario::load_str(&t, "i.toml", "i").unwrap_err().render(false);
        assert!(e.contains("i.toml:") && e.contains(says), "{price}: expected `{says}` in\n{e}");
    }
}
