//! Splitting the order into lots: which mill makes which tonnes of which product for which
//! destination, in what order. The plan is deterministic (the same in every replication),
//! so that replications differ only in what is genuinely random.

use crate::model::Tonnes;
use crate::model::world::{DestinationId, Id, PlannedLot, ProductId};

/// Splits `total` among `weights` in proportion, exactly (largest remainder method;
/// ties go to the earlier weight). Weights must be non-negative with a positive sum.
pub(super) fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<u64> = exact.iter().map(|e| e.floor() as u64).collect();
    let mut short = total.saturating_sub(parts.iter().sum());
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for &i in order.iter().cycle() {
        if short == 0 {
            break;
        }
        if weights[i] > 0.0 {
            parts[i] += 1;
            short -= 1;
        }
    }
    parts
}

/// How many lots [`mill_plan`] cuts from these tonnes (each product's last lot may be
/// smaller), without cutting them.
pub(super) fn lot_count(product_kg: &[u64], lot: Tonnes) -> u64 {
    let lot_kg = lot.kg().max(1);
    product_kg.iter().map(|kg| kg.div_ceil(lot_kg)).sum()
}

/// A mill's lots in production order: each product's tonnes cut into lots of `lot` (the
/// last one smaller), products interleaved in proportion (smooth weighted round-robin),
/// and each lot sent to the destination furthest below its share so far.
pub(super) fn mill_plan(product_kg: &[u64], lot: Tonnes, destination_shares: &[f64]) -> Vec<PlannedLot> {
    let lot_kg = lot.kg().max(1);
    let mut queues: Vec<Vec<u64>> = product_kg
        .iter()
        .map(|&kg| {
            let mut v = vec![lot_kg; (kg / lot_kg) as usize];
            if kg % lot_kg > 0 {
                v.push(kg % lot_kg);
            }
            v.reverse(); // pop() yields full lots first, the remainder last
            v
        })
        .collect();
    let counts: Vec<f64> = queues.iter().map(|q| q.len() as f64).collect();
    let total_lots: usize = queues.iter().map(Vec::len).sum();
    let mut current = vec![0.0; queues.len()];
    let share_sum: f64 = destination_shares.iter().sum();
    let mut sent = vec![0u64; destination_shares.len()];
    let mut sent_total = 0u64;
    let mut plan = Vec::with_capacity(total_lots);
    let weight_total: f64 = counts.iter().sum();
    for _ in 0..total_lots {
        let mut best = None;
        for (p, q) in queues.iter().enumerate() {
            if q.is_empty() {
                continue;
            }
            current[p] += counts[p];
            if best.is_none_or(|b: usize| current[p] > current[b]) {
                best = Some(p);
            }
        }
        let Some(p) = best else { break };
        current[p] -= weight_total;
        let kg = queues[p].pop().expect("chosen product has lots left");
        let after = sent_total + kg;
        let mut dest = 0;
        let mut worst = f64::NEG_INFINITY;
        for (d, share) in destination_shares.iter().enumerate() {
            if *share <= 0.0 {
                continue;
            }
            let deficit = share / share_sum * after as f64 - sent[d] as f64;
            if deficit > worst {
                worst = deficit;
                dest = d;
            }
        }
        sent[dest] += kg;
        sent_total = after;
        plan.push(PlannedLot {
            product: ProductId::from_index(p),
            destination: DestinationId::from_index(dest),
            tonnes: Tonnes::from_kg(kg),
        });
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lot_count_counts_what_mill_plan_cuts() {
        for (kg, lot_t) in [(vec![6_000_000u64, 0], 600.0), (vec![1_000_500, 333_333], 61.0), (vec![1, 2, 3], 0.001)] {
            let lot = Tonnes::from_t(lot_t).unwrap();
            assert_eq!(
                lot_count(&kg, lot),
                mill_plan(&kg, lot, &[0.5, 0.5]).len() as u64,
                "{kg:?} in lots of {lot_t} t"
            );
        }
    }

    #[test]
    fn apportion_is_exact_and_proportional() {
        let parts = apportion(300_000_000, &[0.35, 0.30, 0.25, 0.10]);
        assert_eq!(parts.iter().sum::<u64>(), 300_000_000);
        assert_eq!(parts, [105_000_000, 90_000_000, 75_000_000, 30_000_000]);
        let thirds = apportion(10, &[1.0, 1.0, 1.0]);
        assert_eq!(thirds, [4, 3, 3]);
        assert_eq!(apportion(7, &[0.0, 1.0]), [0, 7]);
    }

    #[test]
    fn plan_covers_every_kilogram_and_interleaves() {
        let kg = [6_100_000u64, 3_050_000];
        let plan = mill_plan(&kg, Tonnes::from_t(610.0).unwrap(), &[0.6, 0.4]);
        let total: u64 = plan.iter().map(|l| l.tonnes.kg()).sum();
        assert_eq!(total, kg.iter().sum::<u64>());
        assert_eq!(plan.len(), 15);
        // Two lots of product 0 for each of product 1, spread through the plan.
        let first_six: Vec<ProductId> = plan[..6].iter().map(|l| l.product).collect();
        assert_eq!(first_six.iter().filter(|&&p| p == ProductId::from_index(1)).count(), 2);
        // Destinations within one lot of their shares.
        let to0: u64 =
            plan.iter().filter(|l| l.destination == DestinationId::from_index(0)).map(|l| l.tonnes.kg()).sum();
        assert!((to0 as f64 - 0.6 * total as f64).abs() <= 610_000.0);
    }

    #[test]
    fn a_remainder_lot_is_smaller_and_comes_last() {
        let plan = mill_plan(&[1_000_000], Tonnes::from_t(300.0).unwrap(), &[1.0]);
        let sizes: Vec<u64> = plan.iter().map(|l| l.tonnes.kg()).collect();
        assert_eq!(sizes, [300_000, 300_000, 300_000, 100_000]);
    }
}
