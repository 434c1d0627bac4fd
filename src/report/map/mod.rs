//! The network map of a run: mills and nodes where they are (a simple equirectangular
//! projection over country outlines from Natural Earth, shipped in `outlines.json` and made
//! by `scripts/outlines.py`), or a schematic of columns when a place has no `lat`/`lon`;
//! legs as lines as wide as the lots they carry, places coloured by the mean wait per lot
//! at their stages. Legs are drawn straight between their ends.

mod network;

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::{BLUE, Chart, FONT, Figure, GREY, HEIGHT, LABEL, TITLE, WIDTH, err, render};
use super::labels::Labels;
use super::rundata::RunData;
use network::{Mode, Network};
use plotters::element::DashedPathElement;

/// Country outlines, as `scripts/outlines.py` writes them.
#[derive(Debug, serde::Deserialize)]
struct Outlines {
    countries: Vec<Country>,
}

#[derive(Debug, serde::Deserialize)]
struct Country {
    name: String,
    /// Rings of `[lon, lat]`.
    rings: Vec<Vec<[f64; 2]>>,
}

fn countries() -> &'static [Country] {
    static OUTLINES: OnceLock<Vec<Country>> = OnceLock::new();
    OUTLINES.get_or_init(|| {
        // Shipped with the program and checked by a test: a failure leaves the map without
        // outlines rather than without a report.
        serde_json::from_str::<Outlines>(include_str!("outlines.json")).map_or_else(|_| Vec::new(), |o| o.countries)
    })
}

/// A rectangle in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Frame {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Frame {
    fn contains(&self, (x, y): (f64, f64)) -> bool {
        x >= self.x0 && x <= self.x1 && y >= self.y0 && y <= self.y1
    }

    /// Whether `b` lies wholly inside this frame and clear of every box in `taken`: where a
    /// label (or a country's name) may go.
    fn room_for(&self, b: &Frame, taken: &[Frame]) -> bool {
        let meets = |t: &Frame| b.x0 < t.x1 && t.x0 < b.x1 && b.y0 < t.y1 && t.y0 < b.y1;
        self.contains((b.x0, b.y0)) && self.contains((b.x1, b.y1)) && !taken.iter().any(meets)
    }
}

/// Equirectangular, longitudes shrunk by the cosine of the middle latitude, so that shapes
/// near it keep their proportions; fitted to show every place with a margin around them.
#[derive(Clone, Copy, Debug)]
struct Projection {
    lat: f64,
    lon: f64,
    shrink: f64,
    scale: f64,
    centre: (f64, f64),
}

impl Projection {
    fn fit(points: &[(f64, f64)], frame: Frame) -> Projection {
        let span = |f: fn(&(f64, f64)) -> f64| {
            let lo = points.iter().map(f).fold(f64::INFINITY, f64::min);
            let hi = points.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
            (lo, hi)
        };
        let (la, lb) = span(|p| p.0);
        let (oa, ob) = span(|p| p.1);
        let lat = (la + lb) / 2.0;
        let shrink = lat.to_radians().cos().max(0.2);
        // A margin of 0.6 degrees and a twentieth of the span, so that outer places keep their labels.
        let pad = |a: f64, b: f64| 0.6 + 0.05 * (b - a);
        let w = (ob - oa + 2.0 * pad(oa, ob)) * shrink;
        let h = lb - la + 2.0 * pad(la, lb);
        let scale = ((frame.x1 - frame.x0) / w).min((frame.y1 - frame.y0) / h);
        let centre = ((frame.x0 + frame.x1) / 2.0, (frame.y0 + frame.y1) / 2.0);
        Projection { lat, lon: (oa + ob) / 2.0, shrink, scale, centre }
    }

    fn xy(&self, lat: f64, lon: f64) -> (f64, f64) {
        (self.centre.0 + (lon - self.lon) * self.shrink * self.scale, self.centre.1 - (lat - self.lat) * self.scale)
    }
}

/// The part of polygon `poly` inside `f` (Sutherland-Hodgman, one edge of the frame at a time).
fn clip(poly: &[(f64, f64)], f: Frame) -> Vec<(f64, f64)> {
    let mut out = poly.to_vec();
    for edge in 0..4 {
        let inside = |p: (f64, f64)| match edge {
            0 => p.0 >= f.x0,
            1 => p.0 <= f.x1,
            2 => p.1 >= f.y0,
            _ => p.1 <= f.y1,
        };
        // Where segment a-b meets the edge (only asked when one end is in and one out).
        let cross = |a: (f64, f64), b: (f64, f64)| match edge {
            0 | 1 => {
                let x = if edge == 0 { f.x0 } else { f.x1 };
                (x, a.1 + (x - a.0) / (b.0 - a.0) * (b.1 - a.1))
            }
            _ => {
                let y = if edge == 2 { f.y0 } else { f.y1 };
                (a.0 + (y - a.1) / (b.1 - a.1) * (b.0 - a.0), y)
            }
        };
        let input = std::mem::take(&mut out);
        let Some(&last) = input.last() else { break };
        let mut prev = last;
        for &cur in &input {
            match (inside(prev), inside(cur)) {
                (true, true) => out.push(cur),
                (true, false) => out.push(cross(prev, cur)),
                (false, true) => {
                    out.push(cross(prev, cur));
                    out.push(cur);
                }
                (false, false) => {}
            }
            prev = cur;
        }
    }
    out
}

/// Moves places apart where their marks would overlap (a mill beside its yard, a road
/// border beside the rail one): each later place is pushed away from an earlier one until
/// they touch, a few rounds over all pairs.
fn separate(xy: &mut [(f64, f64)], radii: &[f64]) {
    for _ in 0..4 {
        for j in 0..xy.len() {
            for i in 0..j {
                let need = radii[i] + radii[j] + 3.0;
                let (dx, dy) = (xy[j].0 - xy[i].0, xy[j].1 - xy[i].1);
                let d = (dx * dx + dy * dy).sqrt();
                if d < need {
                    // Places at the same point part along a diagonal.
                    let (ux, uy) = if d < 1e-6 { (0.6, 0.8) } else { (dx / d, dy / d) };
                    xy[j] = (xy[i].0 + ux * need, xy[i].1 + uy * need);
                }
            }
        }
    }
}

/// Signed area and centroid of a polygon (shoelace).
fn area_centroid(poly: &[(f64, f64)]) -> (f64, (f64, f64)) {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for (i, &(x0, y0)) in poly.iter().enumerate() {
        let (x1, y1) = poly[(i + 1) % poly.len()];
        let c = x0 * y1 - x1 * y0;
        a += c;
        cx += (x0 + x1) * c;
        cy += (y0 + y1) * c;
    }
    if a.abs() < 1e-9 {
        return (0.0, (0.0, 0.0));
    }
    (a / 2.0, (cx / (3.0 * a), cy / (3.0 * a)))
}

/// A sequential scale from pale yellow (no wait) to dark red (the longest).
fn heat(share: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 5] = [(255, 255, 204), (254, 217, 118), (253, 141, 60), (227, 26, 28), (128, 0, 38)];
    let s = share.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (s.floor() as usize).min(STOPS.len() - 2);
    let t = s - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The smallest of 1, 2, 5 times a power of ten at least `x` (1 for nothing to show).
fn nice_ceiling(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * p).find(|&v| v >= x * (1.0 - 1e-12)).unwrap_or(10.0 * p)
}

/// Where the legend panel begins, right of the map.
const LEGEND_X: i32 = 1250;

const LAND: RGBColor = RGBColor(244, 241, 234);
const SEA: RGBColor = RGBColor(214, 230, 242);
const BORDER: RGBColor = RGBColor(175, 170, 160);
const RAIL: RGBColor = RGBColor(55, 55, 55);
const ROAD: RGBColor = RGBColor(200, 110, 30);

/// The map of a run.
#[derive(Debug)]
struct Map<'a> {
    scenario: &'a str,
    net: Network,
}

/// Text of `size` pixels in the figures' font.
fn text_style(size: u32) -> TextStyle<'static> {
    (FONT, size).into()
}

/// Rounds a pixel position for plotters.
fn px((x, y): (f64, f64)) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

impl Map<'_> {
    /// The map's frame (above the legend strip) and each place's position in it.
    fn layout(&self) -> (Frame, Vec<(f64, f64)>, Option<Projection>) {
        let frame = Frame { x0: 20.0, y0: 80.0, x1: LEGEND_X as f64 - 30.0, y1: HEIGHT as f64 - 20.0 };
        if self.net.located() {
            let points: Vec<(f64, f64)> = self.net.places.iter().filter_map(|p| p.at).collect();
            let proj = Projection::fit(&points, frame);
            let xy = points.iter().map(|&(lat, lon)| proj.xy(lat, lon)).collect();
            (frame, xy, Some(proj))
        } else {
            // Room at both sides for the labels of the first and last columns.
            let (l, r, t, b) = (frame.x0 + 150.0, frame.x1 - 250.0, frame.y0 + 30.0, frame.y1 - 30.0);
            let xy = self.net.schematic().into_iter().map(|(x, y)| (l + x * (r - l), t + y * (b - t))).collect();
            (frame, xy, None)
        }
    }
}

impl Chart for Map<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let (frame, mut xy, proj) = self.layout();
        let net = &self.net;
        let most_through = net.places.iter().map(|p| p.lots).fold(0.0, f64::max).max(1e-9);
        let radius = |lots: f64| 7.0 + 13.0 * (lots / most_through).sqrt();
        let radii: Vec<f64> = net.places.iter().map(|p| radius(p.lots)).collect();
        separate(&mut xy, &radii);
        let corners = [(frame.x0, frame.y0), (frame.x1, frame.y1)].map(px);
        let title =
            if proj.is_some() { "where lots wait on the way" } else { "where lots wait on the way (schematic)" };
        root.draw(&Text::new(
            format!("{}: {title}", self.scenario),
            (WIDTH as i32 / 2, 20),
            text_style(TITLE).pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(err)?;
        // Marks and labels are placed first, so that country names can keep clear of them.
        let mut taken: Vec<Frame> =
            xy.iter().zip(&radii).map(|(&(x, y), &r)| Frame { x0: x - r, y0: y - r, x1: x + r, y1: y + r }).collect();
        let labels = place_labels(root, net, &xy, &radii, frame, &mut taken)?;
        if let Some(proj) = proj {
            root.draw(&Rectangle::new(corners, SEA.filled())).map_err(err)?;
            let mut names = Vec::new();
            for c in countries() {
                let mut biggest = (0.0, (0.0, 0.0));
                for ring in &c.rings {
                    let pts: Vec<(f64, f64)> = ring.iter().map(|&[lon, lat]| proj.xy(lat, lon)).collect();
                    let part = clip(&pts, frame);
                    if part.len() < 3 {
                        continue;
                    }
                    let shape: Vec<(i32, i32)> = part.iter().copied().map(px).collect();
                    root.draw(&Polygon::new(shape.clone(), LAND.filled())).map_err(err)?;
                    let mut outline = shape.clone();
                    outline.push(shape[0]);
                    root.draw(&PathElement::new(outline, BORDER.stroke_width(2))).map_err(err)?;
                    let (a, centre) = area_centroid(&part);
                    if a.abs() > biggest.0 {
                        biggest = (a.abs(), centre);
                    }
                }
                // Names of the countries that fill a good part of the map, near their middle.
                if biggest.0 > 0.03 * (frame.x1 - frame.x0) * (frame.y1 - frame.y0) {
                    names.push((c.name.to_uppercase(), biggest.1));
                }
            }
            for (name, at) in names {
                let style = text_style(LABEL).color(&RGBColor(150, 145, 135));
                let (w, h) = root.estimate_text_size(&name, &style).map_err(err)?;
                let (w, h) = (f64::from(w), f64::from(h));
                // Near the middle: the nearest spot of a grid around it that is clear.
                let mut offsets: Vec<(f64, f64)> = [-2.0, -1.0, 0.0, 1.0, 2.0]
                    .iter()
                    .flat_map(|&i| [-2.0, -1.0, 0.0, 1.0, 2.0].map(|j| (i * 100.0, j * 50.0)))
                    .collect();
                offsets.sort_by(|a, b| (a.0.hypot(a.1)).total_cmp(&b.0.hypot(b.1)));
                let spot = offsets.into_iter().map(|(dx, dy)| Frame {
                    x0: at.0 + dx - w / 2.0,
                    y0: at.1 + dy - h / 2.0,
                    x1: at.0 + dx + w / 2.0,
                    y1: at.1 + dy + h / 2.0,
                });
                if let Some(b) = spot.into_iter().find(|b| frame.room_for(b, &taken)) {
                    root.draw(&Text::new(name, px((b.x0, b.y0)), style)).map_err(err)?;
                }
            }
        } else {
            root.draw(&Rectangle::new(corners, RGBColor(250, 250, 250).filled())).map_err(err)?;
        }
        root.draw(&Rectangle::new(corners, GREY.stroke_width(1))).map_err(err)?;

        // Legs; legs between the same two points side by side.
        let most_lots = net.links.iter().map(|l| l.lots).fold(0.0, f64::max).max(1e-9);
        let width = |lots: f64| 2.0 + 12.0 * lots / most_lots;
        let pair = |i: usize| {
            let l = &net.links[i];
            let (a, b) = (px(xy[l.from]), px(xy[l.to]));
            if a <= b { (a, b) } else { (b, a) }
        };
        for (i, l) in net.links.iter().enumerate() {
            let twins: Vec<usize> = (0..net.links.len()).filter(|&j| pair(j) == pair(i)).collect();
            let k = twins.iter().position(|&j| j == i).unwrap_or(0) as f64 - (twins.len() - 1) as f64 / 2.0;
            let (a, b) = (xy[l.from], xy[l.to]);
            let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt().max(1e-9);
            let shift = k * 10.0;
            let (nx, ny) = (-(b.1 - a.1) / len * shift, (b.0 - a.0) / len * shift);
            let ends = [px((a.0 + nx, a.1 + ny)), px((b.0 + nx, b.1 + ny))];
            let w = width(l.lots).round() as u32;
            match l.mode {
                Mode::Rail => root.draw(&PathElement::new(ends, RAIL.stroke_width(w))).map_err(err)?,
                Mode::Road => root.draw(&DashedPathElement::new(ends, 14, 8, ROAD.stroke_width(w))).map_err(err)?,
                Mode::Sea => root.draw(&DashedPathElement::new(ends, 4, 6, BLUE.stroke_width(w))).map_err(err)?,
            }
        }

        // Places: size by lots through, colour by mean wait.
        let most_wait = nice_ceiling(net.places.iter().map(|p| p.wait_hours).fold(0.0, f64::max));
        for ((p, &at), &r) in net.places.iter().zip(&xy).zip(&radii) {
            let fill = if p.lots > 0.0 { heat(p.wait_hours / most_wait) } else { WHITE };
            if p.mill {
                let c = [px((at.0 - r, at.1 - r)), px((at.0 + r, at.1 + r))];
                root.draw(&Rectangle::new(c, fill.filled())).map_err(err)?;
                root.draw(&Rectangle::new(c, BLACK.stroke_width(2))).map_err(err)?;
            } else {
                root.draw(&Circle::new(px(at), r.round() as i32, fill.filled())).map_err(err)?;
                root.draw(&Circle::new(px(at), r.round() as i32, BLACK.stroke_width(2))).map_err(err)?;
            }
        }
        for (text, b) in labels {
            // A white halo keeps the text readable over legs and borders.
            let halo = [px((b.x0 - 3.0, b.y0 - 1.0)), px((b.x1 + 3.0, b.y1 + 1.0))];
            root.draw(&Rectangle::new(halo, WHITE.mix(0.8).filled())).map_err(err)?;
            root.draw(&Text::new(text, px((b.x0, b.y0)), text_style(PLACE))).map_err(err)?;
        }
        self.draw_legend(root, most_wait, most_lots)
    }
}

impl Map<'_> {
    /// The panel right of the map: the colour scale, what widths and shapes mean, and the
    /// waits for carriers (which happen before a lot's first leg, at no one place).
    fn draw_legend<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        most_wait: f64,
        most_lots: f64,
    ) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let font = || text_style(PLACE);
        let x = LEGEND_X;
        let mut y = 100;
        let line = |text: String, y: &mut i32| -> Result<(), String> {
            root.draw(&Text::new(text, (x, *y), font())).map_err(err)?;
            *y += 30;
            Ok(())
        };
        line("mean wait per lot at".into(), &mut y)?;
        line("a place, hours".into(), &mut y)?;
        let (x1, top) = (x + 300, y + 6);
        for i in 0..(x1 - x) {
            let c = heat(f64::from(i) / f64::from(x1 - x));
            root.draw(&Rectangle::new([(x + i, top), (x + i + 1, top + 24)], c.filled())).map_err(err)?;
        }
        root.draw(&Rectangle::new([(x, top), (x1, top + 24)], BLACK.stroke_width(1))).map_err(err)?;
        for k in 0..=2 {
            let v = most_wait * f64::from(k) / 2.0;
            let label = if most_wait < 4.0 { format!("{v:.1}") } else { format!("{v:.0}") };
            let style = font().pos(Pos::new(HPos::Center, VPos::Top));
            root.draw(&Text::new(label, (x + (x1 - x) * k / 2, top + 30), style)).map_err(err)?;
        }
        y = top + 90;
        let sample = |y: i32| [(x, y + 12), (x + 50, y + 12)];
        root.draw(&PathElement::new(sample(y), RAIL.stroke_width(6))).map_err(err)?;
        root.draw(&Text::new("rail", (x + 62, y), font())).map_err(err)?;
        y += 34;
        root.draw(&DashedPathElement::new(sample(y), 14, 8, ROAD.stroke_width(6))).map_err(err)?;
        root.draw(&Text::new("road", (x + 62, y), font())).map_err(err)?;
        y += 34;
        if self.net.links.iter().any(|l| l.mode == Mode::Sea) {
            root.draw(&DashedPathElement::new(sample(y), 4, 6, BLUE.stroke_width(6))).map_err(err)?;
            root.draw(&Text::new("sea", (x + 62, y), font())).map_err(err)?;
            y += 34;
        }
        line("width: lots per replication".into(), &mut y)?;
        line(format!("(widest {most_lots:.0})"), &mut y)?;
        y += 14;
        root.draw(&Rectangle::new([(x + 14, y + 2), (x + 36, y + 24)], BLACK.stroke_width(2))).map_err(err)?;
        root.draw(&Text::new("mill", (x + 62, y), font())).map_err(err)?;
        y += 34;
        root.draw(&Circle::new((x + 25, y + 13), 11, BLACK.stroke_width(2))).map_err(err)?;
        root.draw(&Text::new("node", (x + 62, y), font())).map_err(err)?;
        y += 30;
        line("size: lots through".into(), &mut y)?;
        if !self.net.pools.is_empty() {
            y += 24;
            line("mean wait for carriers".into(), &mut y)?;
            line("before loading, per lot:".into(), &mut y)?;
            for p in self.net.pools.iter().take(6) {
                let digits = if p.wait_hours < 10.0 { 1 } else { 0 };
                line(format!("{}: {:.*} h", p.label, digits, p.wait_hours), &mut y)?;
            }
        }
        Ok(())
    }
}

/// Text size of place labels.
const PLACE: u32 = LABEL - 4;

/// Each place's label and its box: beside its mark, on the first side where it covers no
/// other label or mark and stays on the map (else on the right). Adds the boxes to `taken`.
fn place_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    net: &Network,
    xy: &[(f64, f64)],
    radii: &[f64],
    frame: Frame,
    taken: &mut Vec<Frame>,
) -> Result<Vec<(String, Frame)>, String> {
    let mut out = Vec::new();
    for ((p, &at), &r) in net.places.iter().zip(xy).zip(radii) {
        let text = if p.wait_hours >= 1.0 { format!("{} · {:.0} h", p.label, p.wait_hours) } else { p.label.clone() };
        let (w, h) = root.estimate_text_size(&text, &text_style(PLACE)).map_err(err)?;
        let (w, h, r) = (f64::from(w), f64::from(h), r + 4.0);
        let candidates = [
            (at.0 + r, at.1 - h / 2.0),
            (at.0 - r - w, at.1 - h / 2.0),
            (at.0 - w / 2.0, at.1 - r - h),
            (at.0 - w / 2.0, at.1 + r),
            (at.0 + r, at.1 - r - h),
            (at.0 + r, at.1 + r),
            (at.0 - r - w, at.1 - r - h),
            (at.0 - r - w, at.1 + r),
        ];
        let boxed = |(x, y): (f64, f64)| Frame { x0: x, y0: y, x1: x + w, y1: y + h };
        let chosen =
            candidates.iter().map(|&c| boxed(c)).find(|b| frame.room_for(b, taken)).unwrap_or(boxed(candidates[0]));
        taken.push(chosen);
        out.push((text, chosen));
    }
    Ok(out)
}

/// The map of a run folder's network, if its scenario is there to read.
pub(crate) fn network_map(data: &RunData) -> Result<Option<Figure>, String> {
    let Some(scenario) = &data.scenario else { return Ok(None) };
    let labels = Labels::from_scenario(Some(scenario));
    let net = Network::read(scenario, &data.summary, &labels);
    if net.places.is_empty() {
        return Ok(None);
    }
    let caption = if net.located() {
        "The network: places where the scenario puts them (country outlines from Natural Earth), legs as wide as the lots they carry, places coloured by the mean wait per lot at their stages."
    } else {
        "The network as a schematic (not every place has `lat` and `lon`): legs as wide as the lots they carry, places coloured by the mean wait per lot at their stages."
    };
    let map = Map { scenario: &data.summary.scenario, net };
    render("map", caption, &map).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_outlines_parse_and_hold_the_corridor_countries() {
        let names: Vec<&str> = countries().iter().map(|c| c.name.as_str()).collect();
        for c in ["Iran", "Turkmenistan", "Uzbekistan", "Afghanistan", "Kazakhstan"] {
            assert!(names.contains(&c), "{c} missing from outlines.json");
        }
    }

    #[test]
    fn clipping_keeps_the_part_inside_the_frame() {
        let f = Frame { x0: 0.0, y0: 0.0, x1: 10.0, y1: 10.0 };
        // A square half out of the frame on the right.
        let part = clip(&[(5.0, 2.0), (15.0, 2.0), (15.0, 8.0), (5.0, 8.0)], f);
        assert!((area_centroid(&part).0.abs() - 30.0).abs() < 1e-9, "{part:?}");
        assert!(part.iter().all(|&p| f.contains(p)));
        assert!(clip(&[(20.0, 20.0), (30.0, 20.0), (30.0, 30.0)], f).is_empty());
    }

    #[test]
    fn the_projection_keeps_every_place_inside_the_frame_and_north_up() {
        let f = Frame { x0: 0.0, y0: 0.0, x1: 1600.0, y1: 850.0 };
        let places = [(27.2, 56.3), (41.3, 69.3), (31.3, 48.7)];
        let p = Projection::fit(&places, f);
        for &(lat, lon) in &places {
            assert!(f.contains(p.xy(lat, lon)));
        }
        // Tashkent is north-east of Bandar Abbas: right and up.
        let (a, b) = (p.xy(27.2, 56.3), p.xy(41.3, 69.3));
        assert!(b.0 > a.0 && b.1 < a.1);
        // A degree of latitude is longer than a degree of longitude at 34 N.
        let one_lat = p.xy(34.0, 60.0).1 - p.xy(35.0, 60.0).1;
        let one_lon = p.xy(34.0, 61.0).0 - p.xy(34.0, 60.0).0;
        assert!((one_lon / one_lat - 34.25f64.to_radians().cos()).abs() < 0.01);
    }

    #[test]
    fn the_colour_scale_runs_from_pale_to_dark_and_nice_maxima_round_up() {
        let lum = |c: RGBColor| 0.3 * c.0 as f64 + 0.59 * c.1 as f64 + 0.11 * c.2 as f64;
        let shades: Vec<f64> = (0..=10).map(|i| lum(heat(i as f64 / 10.0))).collect();
        assert!(shades.windows(2).all(|w| w[1] < w[0]), "{shades:?}");
        assert_eq!(
            [nice_ceiling(86.5), nice_ceiling(0.3), nice_ceiling(100.0), nice_ceiling(0.0)],
            [100.0, 0.5, 100.0, 1.0]
        );
    }
}
