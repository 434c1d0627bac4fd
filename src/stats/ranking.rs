//! Selecting the best of several systems: the fully sequential procedure KN of Kim and Nelson
//! (2001), which holds with common random numbers.
//!
//! Each system's output is observed replication by replication (replication `r` of every system
//! on the same random numbers). After a first stage of `n0` replications the variance of each
//! pairwise difference is estimated; then, one replication at a time, a system is eliminated as
//! soon as its mean falls clearly below another's (by more than a margin that shrinks as
//! replications accumulate). If the best system's expected output exceeds every other's by at
//! least `delta` (the indifference zone), it is the one selected with probability at least
//! `1 - alpha` (exactly so for normal outputs; for other outputs, as the first stage grows).
//!
//! The procedure only reads observations; the caller decides how to produce them, in batches
//! if that is cheaper: which replication a system reaches past the decision changes nothing.

/// The outcome for one system.
#[derive(Clone, Debug, PartialEq)]
pub struct Contender {
    /// Replications observed when the procedure ended (or when the system was eliminated).
    pub replications: u64,
    /// Mean output over them.
    pub mean: f64,
    /// The replication count at which it was eliminated, if it was.
    pub eliminated_at: Option<u64>,
}

/// How the procedure ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Every other system was eliminated.
    OneLeft,
    /// The procedure's bound on replications was reached: the largest mean is selected, as the
    /// procedure prescribes (the guarantee holds).
    Bound,
    /// The caller's cap came first: the largest mean is selected, without the guarantee.
    Cap,
}

/// The selection.
#[derive(Clone, Debug, PartialEq)]
pub struct Selected {
    /// Index of the system selected.
    pub best: usize,
    /// Each system.
    pub contenders: Vec<Contender>,
    /// How it ended.
    pub ending: Ending,
    /// The procedure's constant h^2 (for the record).
    pub h2: f64,
}

/// What the systems' outputs are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outputs {
    /// Real numbers (KN's normal case).
    Continuous,
    /// 0 or 1 (a success). With common random numbers two systems may agree in every
    /// first-stage replication, and a variance estimate of 0 would end the procedure at once:
    /// each pairwise variance is floored at the Wilson upper bound (95 %) of the share of
    /// replications where the two disagree, which bounds it (`Var(D) <= P(D != 0)`).
    Binary,
}

/// Rinott-type constant of KN: `eta` from `alpha`, the number of systems and the first stage.
fn eta(alpha: f64, k: usize, n0: u64) -> f64 {
    0.5 * ((2.0 * alpha / (k - 1) as f64).powf(-2.0 / (n0 - 1) as f64) - 1.0)
}

/// Gives the outputs of the systems listed, for replications `0..m` with `m` at least the
/// number asked (see [`kn`]).
pub type Observe<'a, E> = &'a mut dyn FnMut(&[usize], u64) -> Result<Vec<Vec<f64>>, E>;

/// Runs KN over `k` systems (maximising the expected output). `observe(systems, upto)` must
/// return, for each system `i` listed (in that order), its outputs for replications `0..m` with
/// `m >= upto` (it may return more, and is asked again only when `m` is exhausted), at most
/// `cap` in all. The systems still in are asked together, so that a caller can run them as one
/// batch.
///
/// `n0 >= 2`, `k >= 2`, `0 < alpha < 1 - 1/k` and `delta > 0` are the caller's to check.
pub fn kn<E>(
    k: usize,
    n0: u64,
    alpha: f64,
    delta: f64,
    cap: u64,
    outputs: Outputs,
    observe: Observe<'_, E>,
) -> Result<Selected, E> {
    let n0 = n0.max(2);
    let cap = cap.max(n0);
    let all: Vec<usize> = (0..k).collect();
    let mut data = observe(&all, n0)?;
    let h2 = 2.0 * eta(alpha, k, n0) * (n0 - 1) as f64;
    // Variances of the pairwise differences over the first stage.
    let mut s2 = vec![vec![0.0; k]; k];
    for i in 0..k {
        for l in (i + 1)..k {
            let d: Vec<f64> = (0..n0 as usize).map(|r| data[i][r] - data[l][r]).collect();
            let m = d.iter().sum::<f64>() / n0 as f64;
            let mut v = d.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n0 - 1) as f64;
            if outputs == Outputs::Binary {
                let disagree = d.iter().filter(|x| **x != 0.0).count() as u64;
                v = v.max(crate::stats::proportion::wilson(disagree, n0, 0.95).1);
            }
            s2[i][l] = v;
            s2[l][i] = v;
        }
    }
    // Past this many replications the procedure stops and takes the largest mean (in f64: a
    // tiny indifference zone makes it astronomically large, and then the cap ends it).
    let bound = s2.iter().flatten().map(|v| (h2 * v / (delta * delta)).floor()).fold(0.0, f64::max) + 1.0;
    let mut sums: Vec<f64> = data.iter().map(|d| d[..n0 as usize].iter().sum()).collect();
    let mut eliminated: Vec<Option<u64>> = vec![None; k];
    let mut r = n0;
    let ending = loop {
        let alive: Vec<usize> = (0..k).filter(|&i| eliminated[i].is_none()).collect();
        let mean = |i: usize| sums[i] / r as f64;
        let mut out = Vec::new();
        for &i in &alive {
            let beaten = alive.iter().any(|&l| {
                let w = (delta / (2.0 * r as f64) * (h2 * s2[i][l] / (delta * delta) - r as f64)).max(0.0);
                l != i && mean(i) < mean(l) - w
            });
            if beaten {
                out.push(i);
            }
        }
        for i in out {
            eliminated[i] = Some(r);
        }
        let left = (0..k).filter(|&i| eliminated[i].is_none()).count();
        if left == 1 {
            break Ending::OneLeft;
        }
        if r as f64 >= bound {
            break Ending::Bound;
        }
        if r >= cap {
            break Ending::Cap;
        }
        r += 1;
        let short: Vec<usize> = (0..k).filter(|&i| eliminated[i].is_none() && data[i].len() < r as usize).collect();
        if !short.is_empty() {
            for (i, more) in short.iter().zip(observe(&short, r)?) {
                data[*i] = more;
            }
        }
        for i in (0..k).filter(|&i| eliminated[i].is_none()) {
            sums[i] += data[i][r as usize - 1];
        }
    };
    let contenders: Vec<Contender> = (0..k)
        .map(|i| {
            let n = eliminated[i].unwrap_or(r);
            Contender { replications: n, mean: sums[i] / n as f64, eliminated_at: eliminated[i] }
        })
        .collect();
    // Among those left, the largest mean (the first on a tie).
    let best = (0..k)
        .filter(|&i| eliminated[i].is_none())
        .fold(None, |b: Option<usize>, i| match b {
            Some(j) if contenders[j].mean >= contenders[i].mean => Some(j),
            _ => Some(i),
        })
        .expect("KN never eliminates every system");
    Ok(Selected { best, contenders, ending, h2 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::random::stream;
    use rand_distr::{Distribution, Normal};

    /// Normal outputs with a common component (as common random numbers give): the best,
    /// `delta` above the others, is selected in at least 95 % of trials.
    #[test]
    fn selects_the_best_of_normal_systems_with_the_stated_probability() {
        let (k, delta, alpha) = (4usize, 0.5, 0.05);
        let trials = 400;
        let mut correct = 0;
        for t in 0..trials {
            let mut rng = stream(t, "kn");
            let normal = Normal::new(0.0, 1.0).unwrap();
            // table[r][j]: replication r of system j, the common part shared by all.
            let mut table: Vec<Vec<f64>> = Vec::new();
            let mut observe = |systems: &[usize], upto: u64| -> Result<Vec<Vec<f64>>, ()> {
                while table.len() < upto as usize {
                    let common: f64 = normal.sample(&mut rng);
                    let row = (0..k).map(|j| if j == 2 { delta } else { 0.0 } + common + normal.sample(&mut rng));
                    table.push(row.collect());
                }
                Ok(systems.iter().map(|&i| table[..upto as usize].iter().map(|row| row[i]).collect()).collect())
            };
            let s = kn(k, 10, alpha, delta, 100_000, Outputs::Continuous, &mut observe).unwrap();
            correct += usize::from(s.best == 2);
        }
        // P(CS) >= 0.95 in theory; with 400 trials the count's standard error at 0.95 is
        // 4.4 trials, so 0.95 - 3 standard errors (0.917) is the bound refused 0.1 % of the time.
        assert!(correct as f64 >= 0.917 * trials as f64, "{correct} of {trials}");
    }

    #[test]
    fn clearly_worse_systems_go_early() {
        // Noise that differs between systems (so the differences have a variance) and a mean
        // that grows with the index by twice the indifference zone.
        let one = |i: usize, upto: u64| -> Vec<f64> {
            (0..upto).map(|r| i as f64 + if (r + i as u64).is_multiple_of(3) { 0.3 } else { -0.15 }).collect()
        };
        let mut observe = |systems: &[usize], upto| Ok::<_, ()>(systems.iter().map(|&i| one(i, upto)).collect());
        let s = kn(3, 10, 0.05, 0.5, 1000, Outputs::Continuous, &mut observe).unwrap();
        assert_eq!(s.best, 2);
        assert_eq!(s.ending, Ending::OneLeft);
        assert!(s.contenders[0].eliminated_at.is_some_and(|r| r <= 11), "{s:?}");
    }

    /// Two 0/1 systems that agree in every first-stage replication: without the floor the
    /// procedure would stop at once and take the first; with it, it goes on to find the better.
    #[test]
    fn binary_outputs_that_agree_at_first_do_not_end_the_selection() {
        // System 1 succeeds one replication in 50 more than system 0, from replication 100 on.
        let one = |i: usize, upto: u64| -> Vec<f64> {
            (0..upto).map(|r| f64::from(u8::from(r.is_multiple_of(2) || (i == 1 && r >= 100 && r % 50 == 1)))).collect()
        };
        let mut observe = |systems: &[usize], upto| Ok::<_, ()>(systems.iter().map(|&i| one(i, upto)).collect());
        let s = kn(2, 100, 0.05, 0.01, 100_000, Outputs::Binary, &mut observe).unwrap();
        assert_eq!(s.best, 1, "{s:?}");
        assert_ne!(s.ending, Ending::Bound, "{s:?}");
    }
}
