//! Pairs an image's history entries with the Dockerfile instructions that wrote them.
//!
//! # Matching rules
//!
//! - The base image's entries come first in the history and the chain's (see
//!   [`Dockerfile::final_chain`](super::Dockerfile::final_chain)) last, so the two are aligned
//!   from the end: an alignment (a weighted longest common subsequence) over the chain and the
//!   history, in order, that pairs as many instructions as possible, then, among those, keeps as
//!   many "same keyword, different text" neighbours as possible, and, among those, puts the
//!   pairs as late in the history as it can. One extra or missing entry costs that entry, not
//!   the rest: nothing is walked greedily.
//! - An entry is read as an instruction: BuildKit writes the keyword first (`ENV A=b`,
//!   `RUN /bin/sh -c make # buildkit`); the legacy builder writes `<shell> #(nop)  KEYWORD ...`
//!   for everything but RUN, and RUN as the command itself. An instruction and an entry can pair
//!   only when their keywords agree, and then only when their arguments agree, whitespace
//!   collapsed:
//!   - RUN: `[|N ARG=v ...] <shell> <command>` for the shell form, with the shell from the
//!     chain's last SHELL (`/bin/sh -c` by default; another shell ending in `-c` or `/c` is
//!     accepted, for a base image's SHELL, and so is the bare command); the exec form's items
//!     joined by spaces. Flags (`--mount`, `--network`) are never recorded. Heredocs as
//!     BuildKit runs them: a RUN that is only `<<EOF` records its body (or `/dev/pipes/EOF`
//!     when the body starts with `#!`); any other records the line, then each body and
//!     delimiter after a newline.
//!   - COPY / ADD: sources become hashes in the legacy builder, so there only the destination
//!     and `--chown` are compared; BuildKit keeps the sources as written, so sources and
//!     destination are compared, and `--chown` / `--chmod` when the entry records them (Docker
//!     20.10's BuildKit drops them; later ones keep them). `--from` is never recorded.
//!   - ENV, LABEL, ARG: `k=v` pairs with quotes removed; WORKDIR: the absolute path (a relative
//!     WORKDIR must end the recorded path), trailing slashes ignored; EXPOSE: the set of
//!     `port/proto`, ranges spelled out; VOLUME, SHELL: `[a b]`; CMD, ENTRYPOINT: Go's `%q`
//!     list, the shell form wrapped in the shell; HEALTHCHECK: its test command (options are
//!     not compared); USER, STOPSIGNAL, MAINTAINER, ONBUILD: the text.
//!   - A `$VAR` or `${VAR}` in an instruction matches any text, since the builder recorded its
//!     value and the build's arguments are unknown here. A RUN's text is never expanded.
//! - A same-keyword entry that does not agree (a RUN whose text changed) is not paired: its
//!   instruction is in [`Pairing::unpaired`] and the pair in [`Pairing::differs`], so a report
//!   can say "differs from Dockerfile:LINE".
//! - [`Pairing::base_entries`] counts the entries before the first one aligned with the chain
//!   (paired or differing), less one for each chain instruction before that which should have
//!   written an entry (every keyword but ONBUILD, which BuildKit does not record).
//! - The alignment is bounded: past a million cells only the last `chain + 256` entries and then
//!   the last instructions are aligned; the rest are base entries and unpaired instructions.
//!
//! # `created_by` as observed
//!
//! Built on Docker 20.10.24 (Debian), legacy builder (`DOCKER_BUILDKIT=0`) and BuildKit
//! (`DOCKER_BUILDKIT=1`, the daemon's built-in Dockerfile frontend), read from `docker history
//! --no-trunc` and the config of `docker save`. Legacy entries have no comment; BuildKit's have
//! `buildkit.dockerfile.v0`. "empty" is the entry's `empty_layer`.
//!
//! | Instruction | legacy builder | BuildKit | empty |
//! |---|---|---|---|
//! | RUN (shell) | `/bin/sh -c echo late`; with build args: `\|2 OTHER_ARG=zz VER=2.0 /bin/sh -c echo $VER > /final/v` (sorted, only ARGs with a value) | `RUN /bin/sh -c echo m > /m.txt # buildkit`; `RUN \|2 VER=2.0 OTHER_ARG=zz /bin/sh -c ... # buildkit` (declaration order; an ARG without a value as `LATE=`) | legacy: yes when the layer came out empty (`echo shelled`); BuildKit: no |
//! | RUN (exec) | items joined: `/bin/busybox --install -s /bin`, `echo exec no args` | `RUN echo exec no args # buildkit` | as above |
//! | RUN after `SHELL ["/bin/sh","-e","-c"]` | `\|2 ... /bin/sh -e -c echo shelled` | `RUN \|2 ... /bin/sh -e -c echo shelled # buildkit` | as above |
//! | RUN `--mount=...` | refused ("requires BuildKit") | flag dropped: `RUN /bin/sh -c echo m > /m.txt # buildkit` | no |
//! | RUN heredoc | not supported | not supported by 20.10's frontend; from BuildKit's source: `RUN /bin/sh -c echo hi\n # buildkit` | no |
//! | COPY | `/bin/sh -c #(nop) COPY file:<sha256> in /src/ ` (`dir:`, `multi:` for several sources; trailing space); `COPY --chown=1:1dir:<sha256> in /src/dir `; `in .`, `in /xdir/multi/` (destination as written, variables expanded); `--from` not shown | `COPY a.txt /src/ # buildkit`, `COPY dir /src/dir # buildkit` (`--chown`, `--chmod`, `--from` dropped), `COPY a.txt /json dest/ # buildkit` for the JSON form | no |
//! | ADD | `/bin/sh -c #(nop) ADD file:<sha256> in /added.txt ` | `ADD a.txt /added.txt # buildkit` | no |
//! | ENV | `/bin/sh -c #(nop)  ENV BUILD_ENV=yes OTHER=two words` (quotes removed, `ENV A b` as `A=b`, variables expanded) | `ENV BUILD_ENV=yes OTHER=two words` | yes |
//! | ARG | `/bin/sh -c #(nop)  ARG VER=1.0` (the default, not the build arg), `... ARG VER` | `ARG VER=1.0`, `ARG VER` | yes |
//! | ARG before FROM | none | none | |
//! | LABEL | `/bin/sh -c #(nop)  LABEL org.example.a=b c d=e` | `LABEL org.example.a=b c d=e` | yes |
//! | MAINTAINER | `/bin/sh -c #(nop)  MAINTAINER someone <s@example.com>` | `MAINTAINER someone <s@example.com>` | yes |
//! | WORKDIR | `/bin/sh -c #(nop) WORKDIR /xdir/sub` (absolute; `WORKDIR /w/` keeps its slash) | `WORKDIR /xdir/sub` | no |
//! | USER | `/bin/sh -c #(nop)  USER 0:0` | `USER 0:0` | yes |
//! | EXPOSE | `/bin/sh -c #(nop)  EXPOSE 53/udp 8000-8002` (sorted) | `EXPOSE map[53/udp:{} 8000/tcp:{} 8001/tcp:{} 8002/tcp:{}]` | yes |
//! | VOLUME | `/bin/sh -c #(nop)  VOLUME [/a /b]` | `VOLUME [/a /b]` | yes |
//! | CMD | `/bin/sh -c #(nop)  CMD ["c1" "c2"]`; shell form `CMD ["/bin/sh" "-c" "echo hi"]` | `CMD ["c1" "c2"]` | yes |
//! | ENTRYPOINT | `/bin/sh -c #(nop)  ENTRYPOINT ["/bin/sh" "-c" "echo ep"]` | `ENTRYPOINT ["/bin/sh" "-c" "echo ep"]` | yes |
//! | HEALTHCHECK | `/bin/sh -c #(nop)  HEALTHCHECK &{["CMD" "true"] "5s" "0s" "0s" '\x00'}`; shell form `["CMD-SHELL" "echo ok"]` | the same without the prefix | yes |
//! | SHELL | `/bin/sh -e -c #(nop)  SHELL [/bin/sh -e -c]` (the new shell already in the prefix, and in every later `#(nop)`) | `SHELL [/bin/sh -e -c]` | yes |
//! | STOPSIGNAL | `/bin/sh -e -c #(nop)  STOPSIGNAL SIGTERM` | `STOPSIGNAL SIGTERM` | yes |
//! | ONBUILD | `/bin/sh -c #(nop)  ONBUILD RUN echo onbuild` | none | yes |
//! | FROM | none: the history goes on from the base image's or the parent stage's | none | |
//!
//! Neither builder of Docker 20.10 accepts `RUN --network=` or `COPY --link` ("Unknown flag").
//! BuildKit's current source (not observable here: `# syntax=` needs a registry) also writes
//! `COPY --chown=U --chmod=M src dest # buildkit`, `COPY <<EOF /dst # buildkit` for a heredoc,
//! `RUN /bin/sh -c /dev/pipes/EOF # buildkit` for a heredoc starting with `#!`, and
//! `RUN /bin/sh -c cat <<EOF >/x\n<body>EOF # buildkit` for a heredoc inside a command.

use super::parse::{Instruction, Keyword};
use super::recorded::{Expected, Fit, Recorded};
use crate::source::manifest::HistoryEntry;

/// Largest alignment table, in cells (8 bytes each).
const MAX_CELLS: usize = 1 << 20;

/// Which instruction wrote which history entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pairing {
    /// For each history entry, the index into the chain of the instruction that wrote it;
    /// `None` for the base image's entries and for entries nothing in the chain matches.
    pub per_history: Vec<Option<usize>>,
    /// How many leading history entries belong to the base image.
    pub base_entries: usize,
    /// Chain instructions paired with no entry: they wrote none (ONBUILD under BuildKit), or
    /// their text differs from what the image records. In chain order.
    pub unpaired: Vec<usize>,
    /// `(chain index, history index)`: an unpaired instruction and the entry in its place with
    /// the same keyword but other arguments (the Dockerfile changed since the image was built).
    pub differs: Vec<(usize, usize)>,
}

impl Pairing {
    /// The instruction for each layer: the non-empty history entries in order, as
    /// [`ImageConfig::layer_history`](crate::source::manifest::ImageConfig::layer_history)
    /// pairs them with layers.
    pub fn per_layer(&self, history: &[HistoryEntry]) -> Vec<Option<usize>> {
        history
            .iter()
            .zip(&self.per_history)
            .filter(|(h, _)| !h.empty_layer)
            .map(|(_, p)| *p)
            .collect()
    }

    /// The history entry an instruction wrote, if it was paired.
    pub fn history_of(&self, instruction: usize) -> Option<usize> {
        self.per_history
            .iter()
            .position(|p| *p == Some(instruction))
    }
}

/// Pairs history entries with the chain's instructions (see the module documentation).
pub fn pair(chain: &[&Instruction], history: &[HistoryEntry]) -> Pairing {
    let expected = expectations(chain);
    // Bound the table: keep the ends, where the chain's entries are.
    let fits = |rows: usize, cols: usize| (rows + 1).saturating_mul(cols + 1) <= MAX_CELLS;
    let h0 = if fits(chain.len(), history.len()) {
        0
    } else {
        history.len().saturating_sub(chain.len() + 256)
    };
    let m = history.len() - h0;
    let c0 = chain
        .len()
        .saturating_sub((MAX_CELLS / (m + 1)).saturating_sub(1));
    let n = chain.len() - c0;
    let recorded: Vec<Option<Recorded>> = history[h0..]
        .iter()
        .map(|h| h.created_by.as_deref().and_then(Recorded::read))
        .collect();

    let fit = |i: usize, j: usize| match &recorded[j] {
        Some(rec) => expected[c0 + i].fit(rec),
        None => Fit::Unrelated,
    };
    // best[i][j]: the best alignment of chain[c0 + i..] with history[h0 + j..], scored as
    // (pairs << 32) + differing neighbours, so one more pair beats any number of the latter.
    let w = m + 1;
    let mut best = vec![0u64; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let mut b = best[(i + 1) * w + j].max(best[i * w + j + 1]);
            match fit(i, j) {
                Fit::Same => b = b.max(best[(i + 1) * w + j + 1] + (1 << 32)),
                Fit::Differs => b = b.max(best[(i + 1) * w + j + 1] + 1),
                Fit::Unrelated => {}
            }
            best[i * w + j] = b;
        }
    }

    let mut pairing = Pairing {
        per_history: vec![None; history.len()],
        base_entries: 0,
        unpaired: Vec::new(),
        differs: Vec::new(),
    };
    let mut paired = vec![false; chain.len()];
    let mut first_aligned: Option<(usize, usize)> = None;
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        let here = best[i * w + j];
        // Skipping an entry first puts the pairs as late in the history as they can go.
        if here == best[i * w + j + 1] {
            j += 1;
        } else if here == best[(i + 1) * w + j] {
            i += 1;
        } else {
            let (ci, hj) = (c0 + i, h0 + j);
            if fit(i, j) == Fit::Same {
                pairing.per_history[hj] = Some(ci);
                paired[ci] = true;
            } else {
                pairing.differs.push((ci, hj));
            }
            first_aligned.get_or_insert((ci, hj));
            i += 1;
            j += 1;
        }
    }
    pairing.unpaired = (0..chain.len()).filter(|&c| !paired[c]).collect();
    let writes_entry = |c: &&&Instruction| c.keyword != Keyword::Onbuild;
    pairing.base_entries = match first_aligned {
        Some((ci, hj)) => hj.saturating_sub(chain[..ci].iter().filter(writes_entry).count()),
        None => history
            .len()
            .saturating_sub(chain.iter().filter(writes_entry).count()),
    };
    pairing
}

/// Each instruction's expected entry, with the SHELL in force where it runs.
fn expectations(chain: &[&Instruction]) -> Vec<Expected> {
    let mut shell = vec!["/bin/sh".to_string(), "-c".to_string()];
    chain
        .iter()
        .map(|inst| {
            let e = Expected::new(inst, &shell);
            if inst.keyword == Keyword::Shell {
                if let Some(v) = inst.exec_form().filter(|v| !v.is_empty()) {
                    shell = v;
                }
            }
            e
        })
        .collect()
}

#[cfg(test)]
mod tests;
