//! What every figure shares: the size, the font (Noto Sans, compiled in, so text renders on
//! a machine with no fonts installed), the colours, the legend frame, and drawing a chart
//! once on each backend as SVG and PNG (1600 x 1000, readable when printed).
//!
//! Each figure is a small struct implementing [`Chart`].

use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// Width of every figure, in pixels.
pub const WIDTH: u32 = 1600;
/// Height of every figure, in pixels.
pub const HEIGHT: u32 = 1000;

pub(crate) const FONT: &str = "sans-serif";
pub(crate) const TITLE: u32 = 44;
pub(crate) const LABEL: u32 = 26;
pub(crate) const AXIS: u32 = 30;

/// Colours: destination, handover, and a neutral for background elements.
pub(crate) const BLUE: RGBColor = RGBColor(31, 119, 180);
/// Handover.
pub(crate) const ORANGE: RGBColor = RGBColor(230, 110, 0);
/// Reference lines.
pub(crate) const GREY: RGBColor = RGBColor(90, 90, 90);
/// Series after the first two.
pub(crate) const PALETTE: [RGBColor; 6] =
    [BLUE, ORANGE, RGBColor(44, 160, 44), RGBColor(214, 39, 40), RGBColor(148, 103, 189), RGBColor(140, 86, 75)];

static FONTS: Once = Once::new();

/// Registers the embedded font under the name the figures use (once per process).
pub(crate) fn register_fonts() {
    FONTS.call_once(|| {
        // The font is compiled in and known to be valid; a failure would leave plotters
        // without a font, which the PNG test catches.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, ttf_noto_sans::REGULAR);
    });
}

/// A rendered figure.
#[derive(Clone, Debug)]
pub(crate) struct Figure {
    /// File stem: `figures/<name>.svg` and `.png`.
    pub name: String,
    /// Caption for the report.
    pub caption: String,
    /// The SVG document.
    pub svg: String,
    /// The PNG file.
    pub png: Vec<u8>,
}

/// Something that can be drawn on any plotters backend.
pub(crate) trait Chart {
    /// Draws the chart on `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static;
}

pub(crate) fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Draws the series legend in the frame every figure uses, at `position`, text `size` px high.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    size: u32,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .label_font((FONT, size))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(position)
        .draw()
        .map_err(err)
}

/// Draws `chart` as SVG and PNG.
pub(crate) fn render<C: Chart>(name: &str, caption: &str, chart: &C) -> Result<Figure, String> {
    register_fonts();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        chart.draw(&root)?;
        root.present().map_err(err)?;
    }
    // Text is placed with Noto Sans's metrics (the font the PNGs are drawn with): a viewer
    // that has it draws the SVG as the PNG; report.html carries it, so every browser does.
    let svg = svg.replace("font-family=\"sans-serif\"", "font-family=\"Noto Sans, sans-serif\"");
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        chart.draw(&root)?;
        root.present().map_err(err)?;
    }
    let mut png = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png, WIDTH, HEIGHT);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        // Charts have large flat areas: filter each row adaptively. Default compression:
        // measured on the baseline's figures, `Best` took twice as long for larger files.
        enc.set_compression(png::Compression::Default);
        enc.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        let mut w = enc.write_header().map_err(err)?;
        w.write_image_data(&rgb).map_err(err)?;
    }
    Ok(Figure { name: name.to_string(), caption: caption.to_string(), svg, png })
}

/// The range from `lo` to `hi`, widened about its middle to at least `min_span`, padded by 5 %.
pub(crate) fn padded(lo: f64, hi: f64, min_span: f64) -> std::ops::Range<f64> {
    let (lo, hi) = if hi - lo < min_span {
        let mid = (lo + hi) / 2.0;
        (mid - min_span / 2.0, mid + min_span / 2.0)
    } else {
        (lo, hi)
    };
    let pad = (hi - lo) * 0.05;
    (lo - pad)..(hi + pad)
}

/// The first corner of a chart's plotting area where a legend of `labels` (at font `size`)
/// covers none of `lines` (each a polyline in data coordinates): a legend must not hide data.
/// `None` if every corner would. Reference lines (a deadline, a target) are not data: a
/// legend may lie over part of one.
pub(crate) fn clear_corner<DB: DrawingBackend>(
    chart: &ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    labels: &[&str],
    size: u32,
    lines: &[Vec<(f64, f64)>],
) -> Option<SeriesLabelPosition> {
    let area = chart.plotting_area();
    let font: TextStyle = (FONT, size).into();
    let text = labels.iter().map(|l| area.estimate_text_size(l, &font).unwrap_or((size * l.len() as u32, size)));
    let (w, h) = text.fold((0u32, 0u32), |(w, h), (tw, th)| (w.max(tw), h + th + 10));
    // The marker, margins and a little room: plotters draws the box about this large.
    let (w, h) = (i32::try_from(w + 70).unwrap_or(i32::MAX), i32::try_from(h + 30).unwrap_or(i32::MAX));
    let (xs, ys) = area.get_pixel_range();
    let boxes = [
        (SeriesLabelPosition::UpperLeft, xs.start, ys.start),
        (SeriesLabelPosition::LowerRight, xs.end - w, ys.end - h),
        (SeriesLabelPosition::UpperRight, xs.end - w, ys.start),
        (SeriesLabelPosition::LowerLeft, xs.start, ys.end - h),
    ];
    let pixels: Vec<Vec<(i32, i32)>> =
        lines.iter().map(|l| l.iter().map(|p| chart.backend_coord(p)).collect()).collect();
    let covers = |x0: i32, y0: i32| {
        let inside =
            |(x, y): (f64, f64)| x >= x0 as f64 && x <= (x0 + w) as f64 && y >= y0 as f64 && y <= (y0 + h) as f64;
        pixels.iter().any(|line| {
            line.iter().any(|&(x, y)| inside((x as f64, y as f64)))
                || line.windows(2).any(|s| {
                    // A segment that crosses the box without a vertex in it.
                    (1..16).any(|k| {
                        let t = k as f64 / 16.0;
                        let lerp = |a: i32, b: i32| a as f64 + (b - a) as f64 * t;
                        inside((lerp(s[0].0, s[1].0), lerp(s[0].1, s[1].1)))
                    })
                })
        })
    };
    boxes.into_iter().find(|&(_, x0, y0)| !covers(x0, y0)).map(|b| b.0)
}

/// The empirical distribution function of completion days as a step line: the share of
/// replications complete by each day (censored replications never arrive).
pub(crate) fn ecdf(days: &[Option<f64>]) -> Vec<(f64, f64)> {
    let mut v: Vec<f64> = days.iter().flatten().copied().collect();
    v.sort_by(f64::total_cmp);
    let n = days.len().max(1) as f64;
    let mut pts = Vec::with_capacity(2 * v.len());
    for (i, x) in v.iter().enumerate() {
        pts.push((*x, i as f64 / n));
        pts.push((*x, (i + 1) as f64 / n));
    }
    pts
}
