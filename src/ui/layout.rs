//! Where each pane goes at a given terminal size. The one place that knows the geometry, so
//! the matrix page size the update function uses always matches what is drawn.

use ratatui::layout::Rect;

/// Below this many body rows the detail and run log panes are dropped: the matrix matters most.
const MIN_BODY_FOR_PANES: u16 = 12;
/// From this width on, approvals get their own column beside the detail pane.
const APPROVALS_SIDE_MIN_WIDTH: u16 = 100;

/// The rectangles of the normal screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    /// Column titles on the first line, rows below.
    pub matrix: Rect,
    pub detail: Rect,
    /// `None` when narrow: approvals fold into a summary on the detail pane's rule.
    pub approvals: Option<Rect>,
    pub runlog: Rect,
    /// Hint bar, or the footer (filter, command line, flash).
    pub bottom: Rect,
}

/// The matrix never shrinks below this (column titles and a status line or two).
const MIN_MATRIX: u16 = 4;

/// Split the screen: header, matrix (grows), detail | approvals, run log, hint bar. With
/// `matrix_rows`, a matrix that needs fewer lines than it could have gives them to the
/// detail pane; without, the matrix takes its full share (the page size for paging).
pub fn compute(area: Rect, matrix_rows: Option<usize>) -> Areas {
    let line = |y: u16, h: u16| Rect::new(area.x, y, area.width, h);
    let header = line(area.y, area.height.min(1));
    let bottom_y = area.y + area.height.saturating_sub(1);
    let bottom = line(bottom_y, area.height.saturating_sub(1).min(1));
    let body = area.height.saturating_sub(2);
    let (runlog_h, detail_h) =
        if body < MIN_BODY_FOR_PANES { (0, 0) } else { ((body / 6).clamp(3, 8), (body * 3 / 10).clamp(5, 14)) };
    let mut matrix_h = body - runlog_h - detail_h;
    let mut detail_h = detail_h;
    if let Some(rows) = matrix_rows.filter(|_| detail_h > 0) {
        let need = u16::try_from(rows + 1).unwrap_or(u16::MAX).max(MIN_MATRIX);
        if need < matrix_h {
            detail_h += matrix_h - need;
            matrix_h = need;
        }
    }
    let matrix = line(area.y + 1, matrix_h);
    let detail_full = line(matrix.bottom(), detail_h);
    let runlog = line(detail_full.bottom(), runlog_h);
    let (detail, approvals) = if area.width >= APPROVALS_SIDE_MIN_WIDTH && detail_h > 0 {
        // A third and more of the width: at 200 columns the pane has room for a diff.
        let side = (area.width * 35 / 100).clamp(30, area.width / 2);
        let left = Rect { width: area.width - side, ..detail_full };
        let right = Rect { x: left.right(), width: side, ..detail_full };
        (left, Some(right))
    } else {
        (detail_full, None)
    };
    Areas { header, matrix, detail, approvals, runlog, bottom }
}

/// How many matrix rows are visible at this terminal size.
pub fn matrix_page_rows(width: u16, height: u16) -> usize {
    usize::from(compute(Rect::new(0, 0, width, height), None).matrix.height.saturating_sub(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_rows_follow_the_matrix_area() {
        assert_eq!(matrix_page_rows(120, 40), 20);
        assert_eq!(matrix_page_rows(80, 24), 12);
        // Tiny terminals keep only the matrix: header, column titles, hint bar.
        assert_eq!(matrix_page_rows(80, 10), 7);
        assert_eq!(matrix_page_rows(80, 1), 1);
        assert!(matrix_page_rows(120, 60) > matrix_page_rows(120, 40));
    }

    #[test]
    fn panes_tile_the_screen() {
        for ((w, h), rows) in
            [(120, 40), (80, 24), (200, 60), (40, 14)].into_iter().zip([None, Some(3), Some(100), Some(0)])
        {
            let a = compute(Rect::new(0, 0, w, h), rows);
            assert_eq!(a.header.y, 0);
            assert_eq!(a.matrix.y, 1);
            assert_eq!(a.detail.y, a.matrix.bottom());
            assert_eq!(a.runlog.y, a.detail.bottom());
            assert_eq!(a.bottom.y, a.runlog.bottom());
            assert_eq!(a.bottom.bottom(), h);
            if let Some(ap) = a.approvals {
                assert_eq!(a.detail.width + ap.width, w);
            }
        }
        assert!(compute(Rect::new(0, 0, 120, 40), None).approvals.is_some());
        assert!(compute(Rect::new(0, 0, 80, 24), None).approvals.is_none());
    }

    #[test]
    fn a_short_matrix_gives_its_spare_lines_to_the_detail() {
        let full = compute(Rect::new(0, 0, 80, 24), None);
        let short = compute(Rect::new(0, 0, 80, 24), Some(5));
        assert_eq!(short.matrix.height, 6);
        assert_eq!(short.detail.height, full.detail.height + full.matrix.height - 6);
        // A long matrix keeps its full share: the page size stays what paging assumes.
        assert_eq!(compute(Rect::new(0, 0, 80, 24), Some(500)), full);
    }
}
