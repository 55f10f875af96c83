//! Pairing against the histories of real images, built on Docker 20.10.24 with the legacy
//! builder and with BuildKit (see the table in the parent module), and against BuildKit's
//! heredoc forms taken from its source.

use super::*;
use crate::dockerfile::parse::parse;

/// The Dockerfile `lldf-legacy:1` and `lldf-bk:1` were built from (`--build-arg VER=2.0`),
/// on `lldf-base:1`: `FROM scratch`, `COPY busybox /bin/busybox`,
/// `RUN ["/bin/busybox", "--install", "-s", "/bin"]`, `ENV PATH=/bin`, `CMD ["sh"]`.
const OBSERVED: &str = r#"ARG BASE=lldf-base:1
FROM ${BASE} AS builder
ARG VER=1.0
ENV BUILD_ENV=yes  OTHER="two words"
RUN echo "ver $VER" > /ver.txt
RUN ["/bin/sh", "-c", "echo exec > /exec.txt"]
WORKDIR /src
COPY a.txt /src/
COPY --chown=1:1 dir /src/dir
ADD a.txt /added.txt
RUN echo   multi \
    spaced    && \
    echo done

FROM builder
ARG VER
ARG OTHER_ARG=zz
LABEL org.example.a="b c" d=e
MAINTAINER someone <s@example.com>
EXPOSE 8080/tcp 9090
VOLUME /data
USER 0:0
COPY --from=builder /ver.txt /final/ver.txt
RUN echo $VER > /final/v
ONBUILD RUN echo onbuild
HEALTHCHECK --interval=5s CMD ["true"]
SHELL ["/bin/sh", "-e", "-c"]
RUN echo shelled
STOPSIGNAL SIGTERM
ENTRYPOINT ["/bin/sh"]
CMD echo hi
"#;

/// The Dockerfile of `lldf-more-legacy:1` (`USER 65534`) and `lldf-more-bk:1`
/// (`USER 65534:65534`: BuildKit wants a group where there is no /etc/passwd).
const MORE: &str = r#"# escape=`
FROM lldf-base:1 AS first
ENV A b
ENV X=/xdir Y="q r"
WORKDIR $X
WORKDIR sub
COPY a.txt dir/ $X/multi/
COPY a.txt ${X}/single
run echo lc `
  # a comment inside
  && echo after
RUN ["echo", "exec", "no args"]
LABEL lab val
USER {user}
VOLUME ["/a", "/b"]
EXPOSE 80
ENTRYPOINT echo ep
CMD ["c1", "c2"]
ARG LATE
RUN echo late
"#;

/// `docker history` of `lldf-legacy:1`, oldest first: (created_by, empty_layer).
const LEGACY: &[(&str, bool)] = &[
    (
        r#"/bin/sh -c #(nop) COPY file:7027c77992f5b5a06465828d75ae4ff9adcec5f94bc05d3f683eb205e0ec1ac0 in /bin/busybox "#,
        false,
    ),
    (r#"/bin/busybox --install -s /bin"#, false),
    (r#"/bin/sh -c #(nop)  ENV PATH=/bin"#, true),
    (r#"/bin/sh -c #(nop)  CMD ["sh"]"#, true),
    (r#"/bin/sh -c #(nop)  ARG VER=1.0"#, true),
    (
        r#"/bin/sh -c #(nop)  ENV BUILD_ENV=yes OTHER=two words"#,
        true,
    ),
    (r#"|1 VER=2.0 /bin/sh -c echo "ver $VER" > /ver.txt"#, false),
    (r#"|1 VER=2.0 /bin/sh -c echo exec > /exec.txt"#, false),
    (r#"/bin/sh -c #(nop) WORKDIR /src"#, false),
    (
        r#"/bin/sh -c #(nop) COPY file:679c43c79a56cffbb3b002bda3050542c152a2f09757a0f1a9578871f7cda00d in /src/ "#,
        false,
    ),
    (
        r#"/bin/sh -c #(nop) COPY --chown=1:1dir:0b764524061e0844cc6d5e36f942cf7ade4b8841bc30d330b8f9776227787fec in /src/dir "#,
        false,
    ),
    (
        r#"/bin/sh -c #(nop) ADD file:679c43c79a56cffbb3b002bda3050542c152a2f09757a0f1a9578871f7cda00d in /added.txt "#,
        false,
    ),
    (
        r#"|1 VER=2.0 /bin/sh -c echo   multi     spaced    &&     echo done"#,
        true,
    ),
    (r#"/bin/sh -c #(nop)  ARG VER"#, true),
    (r#"/bin/sh -c #(nop)  ARG OTHER_ARG=zz"#, true),
    (r#"/bin/sh -c #(nop)  LABEL org.example.a=b c d=e"#, true),
    (
        r#"/bin/sh -c #(nop)  MAINTAINER someone <s@example.com>"#,
        true,
    ),
    (r#"/bin/sh -c #(nop)  EXPOSE 8080/tcp 9090"#, true),
    (r#"/bin/sh -c #(nop)  VOLUME [/data]"#, true),
    (r#"/bin/sh -c #(nop)  USER 0:0"#, true),
    (
        r#"/bin/sh -c #(nop) COPY file:7f76dd89f8cae78d1281e19900fdae8f6ca6ffaa086a118c2e4cfc113cb2c5fe in /final/ver.txt "#,
        false,
    ),
    (
        r#"|2 OTHER_ARG=zz VER=2.0 /bin/sh -c echo $VER > /final/v"#,
        false,
    ),
    (r#"/bin/sh -c #(nop)  ONBUILD RUN echo onbuild"#, true),
    (
        r#"/bin/sh -c #(nop)  HEALTHCHECK &{["CMD" "true"] "5s" "0s" "0s" '\x00'}"#,
        true,
    ),
    (r#"/bin/sh -e -c #(nop)  SHELL [/bin/sh -e -c]"#, true),
    (
        r#"|2 OTHER_ARG=zz VER=2.0 /bin/sh -e -c echo shelled"#,
        true,
    ),
    (r#"/bin/sh -e -c #(nop)  STOPSIGNAL SIGTERM"#, true),
    (r#"/bin/sh -e -c #(nop)  ENTRYPOINT ["/bin/sh"]"#, true),
    (
        r#"/bin/sh -e -c #(nop)  CMD ["/bin/sh" "-e" "-c" "echo hi"]"#,
        true,
    ),
];

/// `docker history` of `lldf-bk:1`, oldest first: (created_by, empty_layer).
const BUILDKIT: &[(&str, bool)] = &[
    (
        r#"/bin/sh -c #(nop) COPY file:7027c77992f5b5a06465828d75ae4ff9adcec5f94bc05d3f683eb205e0ec1ac0 in /bin/busybox "#,
        false,
    ),
    (r#"/bin/busybox --install -s /bin"#, false),
    (r#"/bin/sh -c #(nop)  ENV PATH=/bin"#, true),
    (r#"/bin/sh -c #(nop)  CMD ["sh"]"#, true),
    (r#"ARG VER=1.0"#, true),
    (r#"ENV BUILD_ENV=yes OTHER=two words"#, true),
    (
        r#"RUN |1 VER=2.0 /bin/sh -c echo "ver $VER" > /ver.txt # buildkit"#,
        false,
    ),
    (
        r#"RUN |1 VER=2.0 /bin/sh -c echo exec > /exec.txt # buildkit"#,
        false,
    ),
    (r#"WORKDIR /src"#, false),
    (r#"COPY a.txt /src/ # buildkit"#, false),
    (r#"COPY dir /src/dir # buildkit"#, false),
    (r#"ADD a.txt /added.txt # buildkit"#, false),
    (
        r#"RUN |1 VER=2.0 /bin/sh -c echo   multi     spaced    &&     echo done # buildkit"#,
        false,
    ),
    (r#"ARG VER"#, true),
    (r#"ARG OTHER_ARG=zz"#, true),
    (r#"LABEL org.example.a=b c d=e"#, true),
    (r#"MAINTAINER someone <s@example.com>"#, true),
    (r#"EXPOSE map[8080/tcp:{} 9090/tcp:{}]"#, true),
    (r#"VOLUME [/data]"#, true),
    (r#"USER 0:0"#, true),
    (r#"COPY /ver.txt /final/ver.txt # buildkit"#, false),
    (
        r#"RUN |2 VER=2.0 OTHER_ARG=zz /bin/sh -c echo $VER > /final/v # buildkit"#,
        false,
    ),
    (
        r#"HEALTHCHECK &{["CMD" "true"] "5s" "0s" "0s" '\x00'}"#,
        true,
    ),
    (r#"SHELL [/bin/sh -e -c]"#, true),
    (
        r#"RUN |2 VER=2.0 OTHER_ARG=zz /bin/sh -e -c echo shelled # buildkit"#,
        false,
    ),
    (r#"STOPSIGNAL SIGTERM"#, true),
    (r#"ENTRYPOINT ["/bin/sh"]"#, true),
    (r#"CMD ["/bin/sh" "-e" "-c" "echo hi"]"#, true),
];

/// `docker history` of `lldf-more-legacy:1`, oldest first: (created_by, empty_layer).
const MORE_LEGACY: &[(&str, bool)] = &[
    (
        r#"/bin/sh -c #(nop) COPY file:7027c77992f5b5a06465828d75ae4ff9adcec5f94bc05d3f683eb205e0ec1ac0 in /bin/busybox "#,
        false,
    ),
    (r#"/bin/busybox --install -s /bin"#, false),
    (r#"/bin/sh -c #(nop)  ENV PATH=/bin"#, true),
    (r#"/bin/sh -c #(nop)  CMD ["sh"]"#, true),
    (r#"/bin/sh -c #(nop)  ENV A=b"#, true),
    (r#"/bin/sh -c #(nop)  ENV X=/xdir Y=q r"#, true),
    (r#"/bin/sh -c #(nop) WORKDIR /xdir"#, false),
    (r#"/bin/sh -c #(nop) WORKDIR /xdir/sub"#, false),
    (
        r#"/bin/sh -c #(nop) COPY multi:08ad98ff7c3646f52d72bc1a11ada9c9634a7771203c59040c6c782b5b9d27b1 in /xdir/multi/ "#,
        false,
    ),
    (
        r#"/bin/sh -c #(nop) COPY file:679c43c79a56cffbb3b002bda3050542c152a2f09757a0f1a9578871f7cda00d in /xdir/single "#,
        false,
    ),
    (r#"/bin/sh -c echo lc   && echo after"#, true),
    (r#"echo exec no args"#, true),
    (r#"/bin/sh -c #(nop)  LABEL lab=val"#, true),
    (r#"/bin/sh -c #(nop)  USER 65534"#, true),
    (r#"/bin/sh -c #(nop)  VOLUME [/a /b]"#, true),
    (r#"/bin/sh -c #(nop)  EXPOSE 80"#, true),
    (
        r#"/bin/sh -c #(nop)  ENTRYPOINT ["/bin/sh" "-c" "echo ep"]"#,
        true,
    ),
    (r#"/bin/sh -c #(nop)  CMD ["c1" "c2"]"#, true),
    (r#"/bin/sh -c #(nop)  ARG LATE"#, true),
    (r#"/bin/sh -c echo late"#, false),
];

/// `docker history` of `lldf-more-bk:1`, oldest first: (created_by, empty_layer).
const MORE_BUILDKIT: &[(&str, bool)] = &[
    (
        r#"/bin/sh -c #(nop) COPY file:7027c77992f5b5a06465828d75ae4ff9adcec5f94bc05d3f683eb205e0ec1ac0 in /bin/busybox "#,
        false,
    ),
    (r#"/bin/busybox --install -s /bin"#, false),
    (r#"/bin/sh -c #(nop)  ENV PATH=/bin"#, true),
    (r#"/bin/sh -c #(nop)  CMD ["sh"]"#, true),
    (r#"ENV A=b"#, true),
    (r#"ENV X=/xdir Y=q r"#, true),
    (r#"WORKDIR /xdir"#, false),
    (r#"WORKDIR /xdir/sub"#, false),
    (r#"COPY a.txt dir/ /xdir/multi/ # buildkit"#, false),
    (r#"COPY a.txt /xdir/single # buildkit"#, false),
    (
        r#"RUN /bin/sh -c echo lc   && echo after # buildkit"#,
        false,
    ),
    (r#"RUN echo exec no args # buildkit"#, false),
    (r#"LABEL lab=val"#, true),
    (r#"USER 65534:65534"#, true),
    (r#"VOLUME [/a /b]"#, true),
    (r#"EXPOSE map[80/tcp:{}]"#, true),
    (r#"ENTRYPOINT ["/bin/sh" "-c" "echo ep"]"#, true),
    (r#"CMD ["c1" "c2"]"#, true),
    (r#"ARG LATE"#, true),
    (r#"RUN |1 LATE= /bin/sh -c echo late # buildkit"#, false),
];

fn history(entries: &[(&str, bool)]) -> Vec<HistoryEntry> {
    entries
        .iter()
        .map(|(created_by, empty)| HistoryEntry {
            created_by: Some(created_by.to_string()),
            empty_layer: *empty,
            comment: (!created_by.starts_with("/bin/") && !created_by.starts_with('|'))
                .then(|| "buildkit.dockerfile.v0".to_string()),
            ..Default::default()
        })
        .collect()
}

fn pair_text(dockerfile: &str, entries: &[(&str, bool)]) -> Pairing {
    let file = parse(dockerfile).unwrap();
    pair(&file.final_chain(None), &history(entries))
}

/// `Some(i)` for each chain index given.
fn some(indexes: impl IntoIterator<Item = usize>) -> Vec<Option<usize>> {
    indexes.into_iter().map(Some).collect()
}

#[test]
fn a_legacy_build_pairs_every_instruction() {
    let file = parse(OBSERVED).unwrap();
    let chain = file.final_chain(None);
    assert_eq!(chain.len(), 25);
    assert_eq!(file.chain_base(None).as_deref(), Some("lldf-base:1"));
    let p = pair(&chain, &history(LEGACY));
    assert_eq!(p.base_entries, 4);
    assert_eq!(p.per_history[..4], [None; 4]);
    assert_eq!(p.per_history[4..], some(0..25));
    assert!(p.unpaired.is_empty() && p.differs.is_empty(), "{p:?}");
    // COPY --from=builder, recorded as `COPY file:<hash> in /final/ver.txt`.
    assert_eq!(chain[p.per_history[20].unwrap()].line, 23);
    // The continued RUN, recorded with its whitespace, spans lines 11 to 13.
    let multi = chain[p.per_history[12].unwrap()];
    assert_eq!((multi.line, multi.end_line), (11, 13));
}

#[test]
fn a_buildkit_build_pairs_all_but_onbuild() {
    let file = parse(OBSERVED).unwrap();
    let chain = file.final_chain(None);
    let h = history(BUILDKIT);
    let p = pair(&chain, &h);
    assert_eq!(p.base_entries, 4);
    assert_eq!(p.per_history[..4], [None; 4]);
    assert_eq!(p.per_history[4..], some((0..18).chain(19..25)));
    // BuildKit writes no entry for ONBUILD (line 25).
    assert_eq!(p.unpaired, [18]);
    assert_eq!(chain[18].line, 25);
    assert!(p.differs.is_empty());
    // The layers: the base's two, then the RUNs, WORKDIR, COPYs and ADD, each with its line.
    let layers = p.per_layer(&h);
    let lines: Vec<Option<usize>> = layers.iter().map(|i| i.map(|i| chain[i].line)).collect();
    let mut want = vec![None, None];
    want.extend([5, 6, 7, 8, 9, 10, 11, 23, 24, 28].map(Some));
    assert_eq!(lines, want);
    assert_eq!(p.history_of(16), Some(20));
    assert_eq!(p.history_of(18), None);
}

#[test]
fn variables_escape_directive_and_relative_paths_pair() {
    let legacy = pair_text(&MORE.replace("{user}", "65534"), MORE_LEGACY);
    assert_eq!(legacy.per_history[4..], some(0..16));
    assert_eq!((legacy.base_entries, legacy.unpaired.len()), (4, 0));
    let buildkit = pair_text(&MORE.replace("{user}", "65534:65534"), MORE_BUILDKIT);
    assert_eq!(buildkit.per_history[4..], some(0..16));
    assert_eq!((buildkit.base_entries, buildkit.unpaired.len()), (4, 0));
}

#[test]
fn a_changed_run_is_unpaired_and_the_rest_still_pair() {
    let changed = OBSERVED.replace("RUN echo $VER > /final/v", "RUN echo $VER > /final/version");
    for (entries, onbuild) in [(LEGACY, true), (BUILDKIT, false)] {
        let p = pair_text(&changed, entries);
        assert_eq!(p.base_entries, 4);
        // Chain 17 is the changed RUN; its entry is history 21 in both images.
        assert_eq!(p.differs, [(17, 21)]);
        assert_eq!(p.unpaired, if onbuild { vec![17] } else { vec![17, 18] });
        assert_eq!(
            p.per_history[20..23],
            [Some(16), None, Some(if onbuild { 18 } else { 19 })]
        );
        assert_eq!(
            p.per_history.iter().flatten().count(),
            if onbuild { 24 } else { 23 }
        );
    }
}

#[test]
fn extra_and_missing_entries_do_not_derail_the_rest() {
    let mut entries = BUILDKIT.to_vec();
    // An entry no instruction wrote (a tool's), and one the image lacks (HEALTHCHECK).
    entries.insert(10, ("LABEL injected=by-a-tool", true));
    assert!(entries.remove(23).0.starts_with("HEALTHCHECK"));
    let p = pair_text(OBSERVED, &entries);
    assert_eq!(p.base_entries, 4);
    assert_eq!(p.per_history[4..10], some(0..6));
    assert_eq!(p.per_history[10], None);
    assert_eq!(p.per_history[11..23], some(6..18));
    assert_eq!(p.per_history[23..], some(20..25));
    assert_eq!(p.unpaired, [18, 19]);
}

#[test]
fn base_entries_equal_to_instructions_stay_with_the_base() {
    // The chain repeats the base's last two entries; the pairs go to the later copies.
    let dockerfile = "FROM lldf-base:1\nENV PATH=/bin\nCMD [\"sh\"]\nRUN true\n";
    let mut entries = LEGACY[..4].to_vec();
    entries.extend([
        ("ENV PATH=/bin", true),
        ("CMD [\"sh\"]", true),
        ("RUN /bin/sh -c true # buildkit", false),
    ]);
    let p = pair_text(dockerfile, &entries);
    assert_eq!(p.per_history, [vec![None; 4], some(0..3)].concat());
    assert_eq!(p.base_entries, 4);
}

/// A multi-stage build with heredocs. Docker 20.10's built-in frontend has none, and
/// `# syntax=` needs a registry, so these entries follow BuildKit's source (dispatchRun,
/// dispatchCopy) rather than an observation.
const HEREDOCS: &str = "# syntax=docker/dockerfile:1
ARG BASE=lldf-base:1
FROM ${BASE} AS builder
ARG VER=1.0
ENV GREETING=\"hello there\"
RUN <<EOF
echo \"$GREETING\" > /greeting
mkdir -p /out
EOF
RUN [\"/bin/sh\", \"-c\", \"cp /greeting /out/\"]

FROM builder AS final
COPY --from=builder /out /app
COPY <<conf /etc/app.conf
mode=production
conf
RUN <<-EOT cat > /app/run.sh
\t#!/bin/sh
\techo run
\tEOT
RUN <<EOF
#!/bin/sh
echo shebang
EOF
RUN make && make install
";

#[test]
fn heredocs_in_a_multi_stage_build_as_buildkit_records_them() {
    let mut entries = LEGACY[..4].to_vec();
    entries.extend([
        ("ARG VER=1.0", true),
        ("ENV GREETING=hello there", true),
        (
            "RUN |1 VER=1.0 /bin/sh -c echo \"$GREETING\" > /greeting\nmkdir -p /out\n # buildkit",
            false,
        ),
        (
            "RUN |1 VER=1.0 /bin/sh -c cp /greeting /out/ # buildkit",
            false,
        ),
        ("COPY /out /app # buildkit", false),
        ("COPY <<conf /etc/app.conf # buildkit", false),
        (
            "RUN /bin/sh -c <<-EOT cat > /app/run.sh\n\t#!/bin/sh\n\techo run\nEOT # buildkit",
            false,
        ),
        ("RUN /bin/sh -c /dev/pipes/EOF # buildkit", false),
        // The image was built from an older Dockerfile: this RUN cannot be paired.
        ("RUN /bin/sh -c make install # buildkit", false),
    ]);
    let file = parse(HEREDOCS).unwrap();
    let chain = file.final_chain(None);
    assert_eq!(chain.len(), 9);
    let p = pair(&chain, &history(&entries));
    assert_eq!(p.base_entries, 4);
    assert_eq!(p.per_history[4..], [some(0..8), vec![None]].concat());
    assert_eq!(p.unpaired, [8]);
    assert_eq!(p.differs, [(8, 12)]);
    assert_eq!(
        (chain[8].line, chain[2].line, chain[2].end_line),
        (25, 6, 9)
    );
}

#[test]
fn nothing_pairs_with_an_unrelated_dockerfile() {
    let p = pair_text("FROM x\nUSER nobody\nRUN a\nRUN b\n", LEGACY);
    assert!(p.per_history.iter().all(Option::is_none));
    assert_eq!(p.unpaired, [0, 1, 2]);
    // USER and the two RUNs are set beside the image's last USER and RUNs.
    assert_eq!(p.differs, [(0, 19), (1, 21), (2, 25)]);
    assert_eq!(p.base_entries, 19);
    let empty = pair_text("FROM x\nRUN a\n", &[]);
    assert_eq!(
        (empty.base_entries, empty.unpaired.as_slice()),
        (0, &[0][..])
    );
    let unreadable = pair(&[], &[HistoryEntry::default()]);
    assert_eq!(unreadable.per_history, [None]);
    assert_eq!(unreadable.base_entries, 1);
}

#[test]
fn the_alignment_is_bounded() {
    let text: String = std::iter::once("FROM x\n".to_string())
        .chain((0..3000).map(|i| format!("RUN echo {i}\n")))
        .collect();
    let entries: Vec<String> = (0..3000).map(|i| format!("/bin/sh -c echo {i}")).collect();
    let entries: Vec<(&str, bool)> = entries.iter().map(|s| (s.as_str(), false)).collect();
    let p = pair_text(&text, &entries);
    // Only the last instructions fit the table; they pair, the first stay unpaired.
    assert_eq!(p.per_history[2999], Some(2999));
    assert_eq!(p.per_history[2700], Some(2700));
    assert_eq!(p.per_history[0], None);
    assert!(
        p.unpaired.len() > 2000 && p.unpaired.len() < 3000,
        "{}",
        p.unpaired.len()
    );
}
