//! The engine against queueing theory, through its public API.
//!
//! Each check simulates a textbook queue in independent replications (each with a warm-up
//! discarded), estimates the mean wait in queue and the utilisation, and asserts two things
//! at 99 % confidence (Student t over replications):
//!
//! 1. the theoretical value lies inside the interval (the engine is right), and
//! 2. the interval is narrower than +/- 2 % of the theoretical value (the check is sharp
//!    enough that a 2 % bias would have been caught).
//!
//! Sizes come from the variance of each estimator (docs/validation.md gives the reasoning
//! and the figures obtained). Seeds are fixed, so results are reproducible.

use rayon::prelude::*;
use steelsim::engine::random::{Stream, stream};
use steelsim::engine::{Control, Discipline, Dist, Duration, Grant, Model, Resource, Scheduler, Store, Time, run};
use steelsim::stats::exact::Moments;

/// Simulated estimates over replications.
struct Estimate {
    wait: Moments,
    utilisation: Moments,
}

fn ci99(m: &Moments) -> (f64, f64) {
    m.mean_ci(0.99).expect("at least two replications")
}

/// Asserts that `theory` lies in the 99 % interval of `m` and that the interval's half-width
/// is below 2 % of `theory`. Prints the figures for docs/validation.md.
fn check(what: &str, m: &Moments, theory: f64) {
    let (lo, hi) = ci99(m);
    let mean = m.mean().unwrap();
    println!("{what}: theory {theory:.4}, simulated {mean:.4}, 99 % interval [{lo:.4}, {hi:.4}]");
    assert!(lo <= theory && theory <= hi, "{what}: theory {theory} outside [{lo}, {hi}] (mean {mean})");
    assert!((hi - lo) / 2.0 < 0.02 * theory, "{what}: half-width {} is not below 2 % of {theory}", (hi - lo) / 2.0);
}

// ---------------------------------------------------------------------------------------
// A single station: Poisson arrivals, c servers, any service distribution (M/G/c).
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Ev {
    Arrival,
    Done(u8),
}

struct Station {
    servers: Vec<Resource<u64>>,
    arrivals: Dist,
    services: Vec<Dist>,
    rng: Stream,
    next: u64,
    warm_up: u64,
    customers: u64,
    wait_sum: [f64; 2],
    counted: [u64; 2],
    warm_time: Option<Time>,
    busy_at_warm: [f64; 2],
    granted: Vec<Grant<u64>>,
}

impl Station {
    fn new(c: u32, arrivals: Dist, services: Vec<Dist>, seed: u64, warm_up: u64, customers: u64) -> Self {
        Station {
            servers: services.iter().map(|_| Resource::new(c, Discipline::Fifo)).collect(),
            arrivals,
            services,
            rng: stream(seed, "validation"),
            next: 0,
            warm_up,
            customers,
            wait_sum: [0.0; 2],
            counted: [0; 2],
            warm_time: None,
            busy_at_warm: [0.0; 2],
            granted: Vec::new(),
        }
    }

    fn record(&mut self, stage: usize, job: u64, waited: Duration) {
        // At the first server a customer's number says whether it came after the warm-up; at
        // the second, the warm-up is over once its time has passed.
        let counted = if stage == 0 { job >= self.warm_up } else { self.warm_time.is_some() };
        if counted {
            self.wait_sum[stage] += waited.value();
            self.counted[stage] += 1;
        }
    }

    fn start(&mut self, stage: usize, s: &mut Scheduler<Ev>) {
        let d = self.services[stage].sample(&mut self.rng);
        s.schedule_in(Duration::saturating(d), Ev::Done(stage as u8));
    }
}

impl Model for Station {
    type Event = Ev;
    fn handle(&mut self, ev: Ev, s: &mut Scheduler<Ev>) -> Control {
        let now = s.now();
        match ev {
            Ev::Arrival => {
                let job = self.next;
                self.next += 1;
                if job == self.warm_up {
                    self.warm_time = Some(now);
                    for (i, r) in self.servers.iter().enumerate() {
                        self.busy_at_warm[i] = r.busy_monitor().area(now);
                    }
                }
                if job >= self.warm_up + self.customers {
                    return Control::Stop;
                }
                if let Some(g) = self.servers[0].request(now, job, 1, 0) {
                    self.record(0, g.job, g.waited);
                    self.start(0, s);
                }
                s.schedule_in(Duration::saturating(self.arrivals.sample(&mut self.rng)), Ev::Arrival);
            }
            Ev::Done(stage) => {
                let stage = stage as usize;
                // FIFO servers: the job finishing is the oldest in service; which job it is
                // does not matter for waiting times, only the order of starts.
                let mut granted = std::mem::take(&mut self.granted);
                self.servers[stage].release(now, 1, &mut granted);
                for g in granted.drain(..) {
                    self.record(stage, g.job, g.waited);
                    self.start(stage, s);
                }
                self.granted = granted;
                if stage + 1 < self.servers.len() {
                    // Tandem: the customer moves on (its identity is irrelevant to waits).
                    let job = self.next | (1 << 63); // distinct from first-stage numbers
                    if let Some(g) = self.servers[stage + 1].request(now, job, 1, 0) {
                        self.record(stage + 1, g.job, g.waited);
                        self.start(stage + 1, s);
                    }
                }
            }
        }
        Control::Continue
    }
}

/// Runs `reps` replications of a station; returns per-stage estimates.
fn simulate(reps: u64, make: impl Fn(u64) -> Station + Sync) -> Vec<Estimate> {
    let results: Vec<(Vec<f64>, Vec<f64>)> = (0..reps)
        .into_par_iter()
        .map(|r| {
            let mut m = make(r);
            let mut s = Scheduler::new();
            s.schedule_at(Time::ZERO, Ev::Arrival);
            run(&mut m, &mut s, Time::new(f64::MAX).unwrap(), u64::MAX);
            let now = s.now();
            let warm = m.warm_time.unwrap();
            let span = now.value() - warm.value();
            let waits = (0..m.servers.len()).map(|i| m.wait_sum[i] / m.counted[i] as f64).collect();
            let utils = m
                .servers
                .iter()
                .enumerate()
                .map(|(i, r)| (r.busy_monitor().area(now) - m.busy_at_warm[i]) / (r.capacity() as f64 * span))
                .collect();
            (waits, utils)
        })
        .collect();
    let stages = results[0].0.len();
    (0..stages)
        .map(|i| {
            let (mut wait, mut utilisation) = (Moments::default(), Moments::default());
            for (w, u) in &results {
                wait.add(w[i]);
                utilisation.add(u[i]);
            }
            Estimate { wait, utilisation }
        })
        .collect()
}

fn exp(mean: f64) -> Dist {
    Dist::exponential(mean).unwrap()
}

/// Customers per replication for M/M/1, planned so that 20 replications give a 99 % half-width
/// near 1.5 % of Wq. The planning variance is rho(2 + 5 rho - 4 rho^2 + rho^3)/(1-rho)^4 (with
/// mu = 1), a textbook asymptotic-variance approximation for the mean of correlated waits; a
/// first run showed the observed variance at rho = 0.5 about twice that, so the plan carries a
/// factor of 2.5. Planning only: the test asserts the half-width it actually obtains.
fn mm1_customers(rho: f64, reps: u64) -> u64 {
    let planning_variance = 2.5 * rho * (2.0 + 5.0 * rho - 4.0 * rho * rho + rho.powi(3)) / (1.0 - rho).powi(4);
    let wq = rho / (1.0 - rho);
    let t = 2.861; // t(0.995, 19)
    (planning_variance * (t / (0.015 * wq)).powi(2) / reps as f64).ceil() as u64
}

#[test]
fn mm1_matches_theory_at_utilisation_05_08_09() {
    for rho in [0.5, 0.8, 0.9] {
        let reps = 20;
        let n = mm1_customers(rho, reps);
        let warm_up = (50.0 / (1.0 - rho.sqrt()).powi(2)) as u64; // many relaxation times
        let est = simulate(reps, |r| Station::new(1, exp(1.0 / rho), vec![exp(1.0)], 1000 + r, warm_up, n));
        check(&format!("M/M/1 rho={rho} mean wait in queue"), &est[0].wait, rho / (1.0 - rho));
        check(&format!("M/M/1 rho={rho} utilisation"), &est[0].utilisation, rho);
    }
}

/// Erlang C: probability that an arrival waits in an M/M/c queue with offered load `a`.
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut sum = 0.0;
    let mut term = 1.0;
    for k in 0..c {
        if k > 0 {
            term *= a / k as f64;
        }
        sum += term;
    }
    let top = term * a / c as f64 * (c as f64 / (c as f64 - a));
    top / (sum + top)
}

#[test]
fn mmc_with_three_servers_matches_erlang_c() {
    // lambda = 2.4, mu = 1, c = 3: rho = 0.8, Wq = C(3, 2.4) / (c mu - lambda).
    let (c, lambda) = (3, 2.4);
    let wq = erlang_c(c, lambda) / (c as f64 - lambda);
    let est = simulate(20, |r| Station::new(c, exp(1.0 / lambda), vec![exp(1.0)], 2000 + r, 20_000, 1_000_000));
    check("M/M/3 rho=0.8 mean wait in queue", &est[0].wait, wq);
    check("M/M/3 rho=0.8 utilisation", &est[0].utilisation, lambda / c as f64);
}

#[test]
fn md1_matches_pollaczek_khinchine() {
    // Deterministic service 1, rho = 0.8: Wq = rho / (2 mu (1 - rho)) = 2.
    let rho = 0.8;
    let est =
        simulate(20, |r| Station::new(1, exp(1.0 / rho), vec![Dist::fixed(1.0).unwrap()], 3000 + r, 20_000, 1_000_000));
    check("M/D/1 rho=0.8 mean wait in queue", &est[0].wait, rho / (2.0 * (1.0 - rho)));
    check("M/D/1 rho=0.8 utilisation", &est[0].utilisation, rho);
}

#[test]
fn a_tandem_of_exponential_servers_is_a_jackson_network() {
    // Poisson(0.7) into server 1 (mean 1) then server 2 (mean 0.8): by Burke's theorem each
    // behaves as an M/M/1 queue, Wq_i = rho_i / (mu_i - lambda).
    let lambda = 0.7;
    let est =
        simulate(20, |r| Station::new(1, exp(1.0 / lambda), vec![exp(1.0), exp(0.8)], 4000 + r, 20_000, 1_000_000));
    let (rho1, rho2) = (lambda * 1.0, lambda * 0.8);
    check("tandem server 1 mean wait", &est[0].wait, rho1 / (1.0 - lambda));
    check("tandem server 2 mean wait", &est[1].wait, rho2 / (1.0 / 0.8 - lambda));
    check("tandem server 2 utilisation", &est[1].utilisation, rho2);
}

// ---------------------------------------------------------------------------------------
// Little's law on a queue with a finite store (M/M/1/K: arrivals that find the store full
// are turned away).
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Lk {
    Arrival,
    Done,
}

struct Finite {
    store: Store<u64>,
    server: Resource<u64>,
    rng: Stream,
    arrivals: Dist,
    service: Dist,
    entered: std::collections::VecDeque<Time>,
    next: u64,
    warm_up: Time,
    end: Time,
    admitted: u64,
    sojourn: f64,
    area_at_warm: Option<f64>,
}

impl Model for Finite {
    type Event = Lk;
    fn handle(&mut self, ev: Lk, s: &mut Scheduler<Lk>) -> Control {
        let now = s.now();
        if now >= self.warm_up && self.area_at_warm.is_none() {
            self.area_at_warm = Some(self.store.level_monitor().area(now));
        }
        if now >= self.end {
            return Control::Stop;
        }
        match ev {
            Lk::Arrival => {
                if self.store.level() < self.store.capacity() {
                    let job = self.next;
                    self.next += 1;
                    assert!(self.store.put(now, job, 1), "there was room");
                    self.entered.push_back(now);
                    if self.server.request(now, job, 1, 0).is_some() {
                        s.schedule_in(Duration::saturating(self.service.sample(&mut self.rng)), Lk::Done);
                    }
                }
                s.schedule_in(Duration::saturating(self.arrivals.sample(&mut self.rng)), Lk::Arrival);
            }
            Lk::Done => {
                let entered = self.entered.pop_front().expect("a customer was in service");
                if entered >= self.warm_up {
                    self.admitted += 1;
                    self.sojourn += now.value() - entered.value();
                }
                let mut admitted = Vec::new();
                self.store.take(now, 1, &mut admitted);
                let mut granted = Vec::new();
                self.server.release(now, 1, &mut granted);
                for _ in granted {
                    s.schedule_in(Duration::saturating(self.service.sample(&mut self.rng)), Lk::Done);
                }
            }
        }
        Control::Continue
    }
}

#[test]
fn littles_law_holds_with_a_finite_store() {
    // rho = 0.9, K = 10. Theory: L = rho/(1-rho) - (K+1) rho^(K+1) / (1 - rho^(K+1)), and
    // Little: L = lambda_eff W. We check the time-average number in the store against the
    // formula, and against lambda_eff * W measured on the same runs.
    let (rho, k) = (0.9f64, 10u64);
    let theory = rho / (1.0 - rho) - (k + 1) as f64 * rho.powi(k as i32 + 1) / (1.0 - rho.powi(k as i32 + 1));
    let (warm, end) = (2_000.0, 202_000.0);
    let runs: Vec<(f64, f64)> = (0..20u64)
        .into_par_iter()
        .map(|r| {
            let mut m = Finite {
                store: Store::new(k),
                server: Resource::new(1, Discipline::Fifo),
                rng: stream(5000 + r, "little"),
                arrivals: exp(1.0 / rho),
                service: exp(1.0),
                entered: Default::default(),
                next: 0,
                warm_up: Time::new(warm).unwrap(),
                end: Time::new(end).unwrap(),
                admitted: 0,
                sojourn: 0.0,
                area_at_warm: None,
            };
            let mut s = Scheduler::new();
            s.schedule_at(Time::ZERO, Lk::Arrival);
            run(&mut m, &mut s, Time::new(end + 1.0).unwrap(), u64::MAX);
            let span = end - warm;
            let l = (m.store.level_monitor().area(Time::new(end).unwrap()) - m.area_at_warm.unwrap()) / span;
            let little = (m.admitted as f64 / span) * (m.sojourn / m.admitted as f64);
            (l, little)
        })
        .collect();
    let (mut l, mut little, mut gap) = (Moments::default(), Moments::default(), Moments::default());
    for (a, b) in &runs {
        l.add(*a);
        little.add(*b);
        gap.add(a - b);
    }
    check("M/M/1/10 rho=0.9 mean number in store (L)", &l, theory);
    check("M/M/1/10 rho=0.9 lambda_eff * W", &little, theory);
    // Little's law holds run by run, up to customers still inside at the cut-off (< 1e-3 here).
    let (lo, hi) = ci99(&gap);
    println!("Little's law gap L - lambda W: 99 % interval [{lo:.5}, {hi:.5}]");
    assert!(lo.abs().max(hi.abs()) < 0.01 * theory);
}

#[test]
fn erlang_c_matches_a_published_value() {
    // Kleinrock, Queueing Systems vol. 1: for c = 2, a = 1 (rho = 0.5), C = 1/3.
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}
