//! `update`, the only place the UI's state changes: one [`Action`] applied to the [`App`].
//! **No I/O here**: reading or extracting a file is pushed as an [`Effect`] for the event loop.

use std::path::PathBuf;

use ratatui::layout::Position;

use super::app::{
    Action, App, Browse, Effect, ExtractRefusal, Input, Overlay, Pane, Preview, Prompt, Search,
};
use super::details::inefficient_window;
use super::tree::{CompareMode, FileTree};
use super::tree_pane::tree_lines;
use crate::analysis::findings::Finding;
use crate::index::{path, EntryKind, MergedTree, NodeId};

fn overlay_offset(o: &mut Overlay) -> &mut usize {
    match o {
        Overlay::Help { offset }
        | Overlay::Why { offset, .. }
        | Overlay::File { offset, .. }
        | Overlay::Waste { offset, .. }
        | Overlay::Findings { offset, .. }
        | Overlay::Packages { offset, .. } => offset,
    }
}

/// Applies one action to the state.
pub fn update(app: &mut App, action: Action) {
    apply(app, action);
    // A search's known matches are positions in the rows it was typed in: when the nodes
    // shown or their order changed since (layer, compare mode, kinds, sort, filter, a
    // package's files), it ends, as a layer change always ended it; `/` searches again.
    if let Some(b) = &mut app.browse {
        if b.search
            .as_ref()
            .is_some_and(|s| s.shown != b.tree.shown_version())
        {
            b.search = None;
        }
    }
}

fn apply(app: &mut App, action: Action) {
    let tree_h = app.tree_height();
    let layers_h = app.layers_height();
    let overlay_h = app.overlay_height();
    let areas = app.areas();
    match action {
        Action::Quit => {
            app.quit = true;
            return;
        }
        Action::Resize { width, height } => {
            app.width = width;
            app.height = height;
            let h = app.tree_height();
            if let Some(b) = &mut app.browse {
                b.tree.scroll_to_selection(h);
            }
            return;
        }
        Action::Progress(p) => {
            app.progress = p;
            return;
        }
        Action::LayersKnown(layers) => {
            if app.browse.is_some() {
                return;
            }
            // The same layers again (a source repeats them at the end) keep their sizes.
            if app.preview.as_ref().is_some_and(|p| p.layers == layers) {
                return;
            }
            let mut preview = Preview::new(layers);
            if let Some(old) = &app.preview {
                preview.move_by(old.layer as isize, layers_h);
            }
            app.preview = Some(preview);
            return;
        }
        Action::LayerIndexed { index, size } => {
            if let Some(s) = app.preview.as_mut().and_then(|p| p.sizes.get_mut(index)) {
                *s = Some(size);
            }
            return;
        }
        Action::Loaded(image) => {
            let p = app.prefs;
            let tree = FileTree::with_options(&image.tree, p.show, p.aggregated, p.collapse_dir);
            // The layer selected while the layers were indexed stays selected.
            let chosen = app.preview.take().map_or(0, |p| p.layer);
            app.browse = Some(Browse {
                image,
                analysis: None,
                focus: Pane::Layers,
                layer: 0,
                layer_offset: 0,
                image_offset: 0,
                tree,
                attributes: p.show_attributes,
                wrap: false,
                overlay: None,
                input: None,
                search: None,
                search_from: None,
            });
            if chosen > 0 {
                let h = app.layers_height();
                if let Some(b) = &mut app.browse {
                    b.select_layer(chosen, h);
                }
            }
            return;
        }
        Action::LoadFailed(why) => {
            app.message = Some(why);
            return;
        }
        _ => {}
    }
    let Some(b) = &mut app.browse else {
        if let Some(p) = &mut app.preview {
            update_preview(p, action, &areas, layers_h);
        }
        return;
    };
    let tree = &b.image.tree;
    app.message = None;
    match action {
        Action::Analyzed(a) => b.analysis = Some(a),
        Action::FileRead { title, text } => {
            b.overlay = Some(Overlay::File {
                title,
                text,
                offset: 0,
            })
        }
        Action::Extracted(Ok(what)) => app.message = Some(what),
        Action::Extracted(Err(ExtractRefusal::Exists(dest))) => {
            app.message = Some(format!("{} exists: overwrite it? (y/n)", dest.display()));
            b.input = Some(Input {
                prompt: Prompt::Overwrite(dest),
                text: String::new(),
            });
        }
        Action::Extracted(Err(ExtractRefusal::Failed(why))) => app.message = Some(why),
        Action::ShowHelp => b.overlay = Some(Overlay::Help { offset: 0 }),
        Action::CloseOverlay => b.overlay = None,
        Action::ShowWaste => {
            b.overlay = Some(Overlay::Waste {
                selected: 0,
                offset: 0,
            })
        }
        Action::ShowFindings => {
            b.overlay = Some(Overlay::Findings {
                selected: 0,
                offset: 0,
            })
        }
        Action::ShowPackages => {
            b.overlay = Some(Overlay::Packages {
                selected: 0,
                offset: 0,
            })
        }
        Action::ShowWhy => match b.selected_node() {
            Some(node) => b.overlay = Some(Overlay::Why { node, offset: 0 }),
            None => app.message = Some("no path selected".into()),
        },
        Action::ViewFile if b.focus == Pane::Layers => {
            if let Some(l) = b.image.layers.get(b.layer) {
                b.overlay = Some(Overlay::File {
                    title: format!("Layer {} command", b.layer),
                    text: l.command(),
                    offset: 0,
                });
            }
        }
        Action::ViewFile => match b
            .selected_origin()
            .and_then(|o| tree.entry(o).map(|e| (o, e)))
        {
            Some((o, e)) if matches!(e.kind, EntryKind::File | EntryKind::Hardlink) => {
                app.effects.push(Effect::ReadFile {
                    layer: o.layer,
                    path: e.path.to_vec(),
                    title: format!("/{} (layer {})", e.display_path(), o.layer),
                });
                app.message = Some("reading…".into());
            }
            Some((_, e)) if e.kind == EntryKind::Symlink => {
                let target = e.link.map(path::escape).unwrap_or_default();
                app.message = Some(format!("a symlink to {target}"));
            }
            _ => {
                if b.focus == Pane::Tree {
                    b.tree.toggle_collapse(tree);
                }
            }
        },
        Action::Enter if matches!(b.overlay, Some(Overlay::Packages { .. })) => {
            let Some(Overlay::Packages { selected, .. }) = b.overlay else {
                return;
            };
            let Some(p) = b
                .analysis
                .as_ref()
                .and_then(|a| a.waste.packages.packages.get(selected))
            else {
                return;
            };
            // The package's files as the image ends up: the last layer, everything since
            // layer 0, limited to them.
            let only = super::packages::only(p, tree.node_count());
            let first = p.owned.iter().map(|o| o.0).min();
            let image = b.image.clone();
            b.overlay = None;
            b.select_layer(image.layers.len().saturating_sub(1), layers_h);
            b.tree.set_mode(&image.tree, CompareMode::Aggregated);
            b.tree.set_only(&image.tree, Some(only));
            b.focus = Pane::Tree;
            if let Some(n) = first {
                b.tree.reveal(&image.tree, n);
            }
            b.tree.scroll_to_selection(tree_h);
        }
        Action::Enter => {
            // Where the selected item was written: (layer, node).
            let target = match b.overlay {
                Some(Overlay::Waste { selected, .. }) => b
                    .analysis
                    .as_ref()
                    .and_then(|a| a.hidden.get(selected))
                    .map(|h| Some((h.layer, h.node))),
                Some(Overlay::Findings { selected, .. }) => b
                    .analysis
                    .as_ref()
                    .and_then(|a| a.waste.findings.get(selected))
                    .map(|f| finding_target(tree, f)),
                _ => None,
            };
            match target {
                None => {}
                Some(None) => app.message = Some("no one path to show for this finding".into()),
                Some(Some((layer, node))) => {
                    b.overlay = None;
                    b.tree.set_mode(tree, CompareMode::Layer);
                    b.select_layer(layer, layers_h);
                    b.focus = Pane::Tree;
                    if !b.tree.reveal(&b.image.tree, node) {
                        app.message = Some("not shown: clear the filter or change toggles".into());
                    }
                    b.tree.scroll_to_selection(tree_h);
                }
            }
        }
        Action::ToggleView => {
            b.focus = match b.focus {
                Pane::Layers => Pane::Tree,
                Pane::Tree => Pane::Layers,
            }
        }
        Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
            let (page_tree, page_list) = (tree_h.max(1) as isize, overlay_h.max(1) as isize);
            let delta = |page: isize| match action {
                Action::Up => -1,
                Action::Down => 1,
                Action::PageUp => -page,
                _ => page,
            };
            let overlay_len = b.overlay.as_ref().map_or(0, |o| {
                super::overlay::overlay_len(b, o, areas.overlay.width.saturating_sub(2).into())
            });
            // The length of a list overlay (hidden files, packages).
            let header = matches!(b.overlay, Some(Overlay::Packages { .. }));
            let list_len = match (&b.overlay, &b.analysis) {
                (Some(Overlay::Waste { .. }), Some(a)) => a.hidden.len(),
                (Some(Overlay::Packages { .. }), Some(a)) => a.waste.packages.packages.len(),
                _ => 0,
            };
            if let Some(o) = &mut b.overlay {
                if let Overlay::Findings { selected, offset } = o {
                    let width = areas.overlay.width.saturating_sub(2).into();
                    let spans = b.analysis.as_ref().map_or_else(Vec::new, |a| {
                        super::findings::spans(&a.waste.findings, width)
                    });
                    let page = matches!(action, Action::PageUp | Action::PageDown);
                    let step = if matches!(action, Action::Up | Action::PageUp) {
                        -1
                    } else {
                        1
                    };
                    (*selected, *offset) = super::findings::move_selection(
                        &spans, *selected, *offset, step, page, overlay_h,
                    );
                } else if let Overlay::Waste { selected, offset }
                | Overlay::Packages { selected, offset } = o
                {
                    let n = list_len;
                    *selected = selected
                        .saturating_add_signed(delta(page_list))
                        .min(n.saturating_sub(1));
                    // The packages list has a header line above its rows.
                    let line = *selected + usize::from(header);
                    if line <= usize::from(header) {
                        *offset = 0;
                    } else if line < *offset {
                        *offset = line;
                    } else if line >= *offset + overlay_h.max(1) {
                        *offset = line + 1 - overlay_h.max(1);
                    }
                } else {
                    let off = overlay_offset(o);
                    // The last page stays full: no scrolling past the end into blank lines.
                    let max = overlay_len.saturating_sub(overlay_h.max(1));
                    *off = off.saturating_add_signed(delta(page_list)).min(max);
                }
            } else if b.focus == Pane::Layers {
                let l = b
                    .layer
                    .saturating_add_signed(delta(layers_h.max(1) as isize));
                b.select_layer(l, layers_h);
            } else {
                b.tree.move_by(delta(page_tree));
                b.tree.scroll_to_selection(tree_h);
            }
        }
        Action::Left if b.focus == Pane::Tree => {
            b.tree.collapse_or_parent(tree);
            b.tree.scroll_to_selection(tree_h);
        }
        Action::Right if b.focus == Pane::Tree => b.tree.expand(tree),
        Action::Left | Action::Right => {}
        Action::CompareLayer => b.tree.set_mode(tree, CompareMode::Layer),
        Action::CompareAll => b.tree.set_mode(tree, CompareMode::Aggregated),
        Action::ToggleCollapse => {
            b.tree.toggle_collapse(tree);
            b.tree.scroll_to_selection(tree_h);
        }
        Action::ToggleCollapseAll => {
            b.tree.toggle_collapse_all(tree);
            b.tree.scroll_to_selection(tree_h);
        }
        Action::ToggleKind(c) => {
            b.tree.toggle_kind(tree, c);
            b.tree.scroll_to_selection(tree_h);
        }
        Action::ToggleAttributes => b.attributes = !b.attributes,
        Action::ToggleWrap => b.wrap = !b.wrap,
        Action::ToggleSort => {
            b.tree.toggle_sort(tree);
            b.tree.scroll_to_selection(tree_h);
        }
        Action::StartFilter => {
            b.input = Some(Input {
                prompt: Prompt::Filter,
                text: b.tree.options.filter.clone(),
            })
        }
        Action::ClearFilter => {
            if !b.tree.options.filter.is_empty() {
                b.tree.set_filter(tree, "");
                b.tree.scroll_to_selection(tree_h);
            }
            if b.tree.options.only.is_some() {
                b.tree.set_only(tree, None);
                b.tree.scroll_to_selection(tree_h);
            }
            b.search = None;
        }
        Action::StartSearch => {
            b.search_from = Some((b.selected_node(), b.focus));
            b.input = Some(Input {
                prompt: Prompt::Search,
                text: String::new(),
            })
        }
        Action::StartExtract => match b.selected_origin().and_then(|o| tree.entry(o)) {
            Some(e) if matches!(e.kind, EntryKind::File | EntryKind::Hardlink) => {
                b.input = Some(Input {
                    prompt: Prompt::Extract,
                    text: String::new(),
                })
            }
            _ => app.message = Some("select a regular file to extract".into()),
        },
        Action::InputChar(c) => {
            if let Some(input) = &mut b.input {
                if let Prompt::Overwrite(dest) = &input.prompt {
                    let dest = dest.clone();
                    b.input = None;
                    if c == 'y' || c == 'Y' {
                        start_extract(app, dest, true);
                    } else {
                        app.message = Some("not extracted".into());
                    }
                    return;
                }
                input.text.push(c);
                typed(b, tree_h);
            }
        }
        Action::InputBackspace => {
            if let Some(input) = &mut b.input {
                input.text.pop();
                typed(b, tree_h);
            }
        }
        Action::InputCancel => {
            if let Some(input) = b.input.take() {
                match input.prompt {
                    Prompt::Filter => {
                        b.tree.set_filter(tree, "");
                        b.tree.scroll_to_selection(tree_h);
                    }
                    // Back to where the search started.
                    Prompt::Search => {
                        b.search = None;
                        if let Some((node, focus)) = b.search_from.take() {
                            return_to(b, node, tree_h);
                            b.focus = focus;
                        }
                    }
                    _ => {}
                }
            }
        }
        Action::InputSubmit => {
            let Some(input) = b.input.take() else {
                return;
            };
            match input.prompt {
                Prompt::Filter => {}
                Prompt::Search => {
                    b.search_from = None;
                    match b.tree.search_first(tree, &input.text) {
                        (count, Some(first)) => {
                            b.search = Some(Search::new(input.text, count, first, &b.tree));
                            b.focus = Pane::Tree;
                            jump_to_hit(b, 0, tree_h);
                        }
                        _ => {
                            app.message = Some(format!("no path matches '{}'", input.text));
                            b.search = None;
                        }
                    }
                }
                Prompt::Extract => {
                    if input.text.trim().is_empty() {
                        app.message = Some("no destination given".into());
                    } else {
                        start_extract(app, PathBuf::from(input.text.trim()), false);
                    }
                }
                // Only an explicit y overwrites: enter keeps the file.
                Prompt::Overwrite(_) => app.message = Some("not extracted".into()),
            }
        }
        Action::SearchNext | Action::SearchPrev => match &mut b.search {
            Some(s) => {
                // The match to go to, found by walking on or back from the nearest known one
                // when it is not known yet: never a list of every match.
                let step = if matches!(action, Action::SearchNext) {
                    search_step_on(s, &mut b.tree, tree)
                } else {
                    search_step_back(s, &mut b.tree, tree)
                };
                match step {
                    Some(pos) => {
                        b.focus = Pane::Tree;
                        jump_to_hit(b, pos, tree_h);
                    }
                    None => {
                        app.message = Some(format!("no path matches '{}'", s.needle));
                        b.search = None;
                    }
                }
            }
            None => app.message = Some("no search: press / to search".into()),
        },
        Action::Scroll { column, row, delta } => {
            let pos = Position::new(column, row);
            if b.overlay.is_some() {
                return apply(app, if delta < 0 { Action::Up } else { Action::Down });
            }
            if areas.tree.contains(pos) {
                b.tree.scroll_by(delta as isize * 3, tree_h);
            } else if areas.layers.contains(pos) {
                let l = b.layer.saturating_add_signed(delta as isize);
                b.select_layer(l, layers_h);
            } else if areas.image_details.contains(pos) {
                let n = b.analysis.as_ref().map_or(0, |a| a.dive.inefficient.len());
                let h = areas.image_details.height;
                let (_, at, _) = inefficient_window(h, n, b.image_offset);
                (_, b.image_offset, _) =
                    inefficient_window(h, n, at.saturating_add_signed(delta as isize));
            }
        }
        Action::Click { column, row } => {
            let pos = Position::new(column, row);
            if b.overlay.is_some() {
                return;
            }
            if areas.tree_rows.contains(pos) {
                b.focus = Pane::Tree;
                let lines = tree_lines(b, areas.tree_rows.width, areas.tree_rows.height);
                if let Some(&(i, _)) = lines.get((row - areas.tree_rows.y) as usize) {
                    if i == b.tree.selected() {
                        b.tree.toggle_collapse(tree);
                    }
                    b.tree.select(i);
                }
            } else if areas.layer_rows.contains(pos) {
                b.focus = Pane::Layers;
                let l = b.layer_offset + (row - areas.layer_rows.y) as usize;
                if l < b.image.layers.len() {
                    b.select_layer(l, layers_h);
                }
            }
        }
        _ => {}
    }
}

/// While the layers are indexed, only the layers list moves; everything that needs the tree
/// waits for it.
fn update_preview(p: &mut Preview, action: Action, areas: &super::layout::Areas, layers_h: usize) {
    let page = layers_h.max(1) as isize;
    match action {
        Action::Up => p.move_by(-1, layers_h),
        Action::Down => p.move_by(1, layers_h),
        Action::PageUp => p.move_by(-page, layers_h),
        Action::PageDown => p.move_by(page, layers_h),
        Action::Scroll { column, row, delta }
            if areas.layers.contains(Position::new(column, row)) =>
        {
            p.move_by(delta as isize, layers_h)
        }
        Action::Click { column, row } if areas.layer_rows.contains(Position::new(column, row)) => {
            let l = p.layer_offset + (row - areas.layer_rows.y) as usize;
            if l < p.layers.len() {
                p.move_by(l as isize - p.layer as isize, layers_h);
            }
        }
        _ => {}
    }
}

/// Searches as each character is typed: the tree jumps to the first match; with none (or an
/// empty needle), back to where the search started.
/// After the prompt's text changed: the filter and the search follow it as it is typed.
fn typed(b: &mut Browse, tree_h: usize) {
    let Some(input) = &b.input else { return };
    let text = input.text.clone();
    match input.prompt {
        Prompt::Filter => {
            b.tree.set_filter(&b.image.tree, &text);
            b.tree.scroll_to_selection(tree_h);
        }
        Prompt::Search => search_as_you_type(b, &text, tree_h),
        _ => {}
    }
}

fn search_as_you_type(b: &mut Browse, needle: &str, tree_h: usize) {
    let (count, Some(first)) = b.tree.search_first(&b.image.tree, needle) else {
        b.search = None;
        if let Some((node, _)) = b.search_from {
            return_to(b, node, tree_h);
        }
        return;
    };
    b.search = Some(Search::new(needle.to_string(), count, first, &b.tree));
    b.focus = Pane::Tree;
    jump_to_hit(b, 0, tree_h);
}

/// Selects `node` again (the row it was on when nothing was selected).
fn return_to(b: &mut Browse, node: Option<NodeId>, tree_h: usize) {
    match node {
        Some(n) => {
            b.tree.reveal(&b.image.tree, n);
        }
        None => b.tree.select(0),
    }
    b.tree.scroll_to_selection(tree_h);
}

fn jump_to_hit(b: &mut Browse, pos: usize, tree_h: usize) {
    if let Some(s) = &mut b.search {
        let Some(node) = s.hit(pos) else { return };
        s.pos = pos;
        b.tree.reveal(&b.image.tree, node);
        b.tree.scroll_to_selection(tree_h);
    }
}

/// `n`: the next match, or the first past the last.
fn search_step_on(s: &mut Search, t: &mut FileTree, tree: &MergedTree) -> Option<usize> {
    let to = if s.pos + 1 >= s.count { 0 } else { s.pos + 1 };
    if s.hit(to).is_some() {
        return Some(to);
    }
    // Past the first ones known: on from the last of them (the selected one).
    let h = t.search_next(tree, &s.needle, s.hit(s.pos)?)?;
    s.hits.push(h);
    Some(to)
}

/// `N`: the match before, or the last before the first.
fn search_step_back(s: &mut Search, t: &mut FileTree, tree: &MergedTree) -> Option<usize> {
    let to = match s.pos {
        0 => s.count.checked_sub(1)?,
        pos => pos - 1,
    };
    if s.hit(to).is_some() {
        return Some(to);
    }
    // From the first to the last, or back from the last ones known (the selected one).
    let found = match s.pos {
        0 => t.search_last(tree, &s.needle),
        pos => t.search_prev(tree, &s.needle, s.hit(pos)?),
    };
    s.tail.push(found?);
    Some(to)
}

/// The layer that wrote a finding's bytes and its path's node, when it names both.
fn finding_target(tree: &MergedTree, f: &Finding) -> Option<(usize, NodeId)> {
    let path = f.path.as_deref()?.trim_start_matches('/');
    Some((f.layer?, tree.find(path.as_bytes())?))
}

fn start_extract(app: &mut App, dest: PathBuf, overwrite: bool) {
    let Some(b) = &app.browse else { return };
    let Some(o) = b.selected_origin() else { return };
    let Some(e) = b.image.tree.entry(o) else {
        return;
    };
    app.effects.push(Effect::Extract {
        layer: o.layer,
        path: e.path.to_vec(),
        dest,
        overwrite,
    });
    app.message = Some("extracting…".into());
}
