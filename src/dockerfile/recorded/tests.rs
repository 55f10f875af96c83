//! Each instruction against the `created_by` forms observed from the legacy builder and
//! BuildKit on Docker 20.10, and BuildKit's heredoc forms from its source.

use super::*;
use crate::dockerfile::parse::parse;

fn expected(line: &str) -> Expected {
    let file = parse(&format!("FROM scratch\n{line}")).unwrap();
    let shell = ["/bin/sh".to_string(), "-c".to_string()];
    Expected::new(&file.stages[0].instructions[0], &shell)
}

fn fit(line: &str, created_by: &str) -> Fit {
    expected(line).fit(&Recorded::read(created_by).unwrap())
}

#[test]
fn entries_read_as_instructions() {
    let r = Recorded::read("/bin/sh -c #(nop)  ENV BUILD_ENV=yes OTHER=two words").unwrap();
    assert_eq!(
        (r.keyword, r.body.as_str(), r.builder),
        (
            Keyword::Env,
            "BUILD_ENV=yes OTHER=two words",
            Builder::Legacy
        )
    );
    let r = Recorded::read("RUN |1 VER=2.0 /bin/sh -c echo exec > /exec.txt # buildkit").unwrap();
    assert_eq!(
        (r.keyword, r.body.as_str(), r.builder),
        (
            Keyword::Run,
            "|1 VER=2.0 /bin/sh -c echo exec > /exec.txt",
            Builder::BuildKit
        )
    );
    let r = Recorded::read("/bin/busybox --install -s /bin").unwrap();
    assert_eq!((r.keyword, r.builder), (Keyword::Run, Builder::Legacy));
    let r = Recorded::read("/bin/sh -e -c #(nop)  SHELL [/bin/sh -e -c]").unwrap();
    assert_eq!(
        (r.keyword, r.body.as_str()),
        (Keyword::Shell, "[/bin/sh -e -c]")
    );
    assert_eq!(Recorded::read("  "), None);
    assert_eq!(Recorded::read("/bin/sh -c #(nop)  NOPE x"), None);
}

#[test]
fn run_forms() {
    use Fit::*;
    let observed = [
        // (instruction, legacy created_by, BuildKit created_by), all observed.
        (
            "RUN echo \"ver $VER\" > /ver.txt",
            "|1 VER=2.0 /bin/sh -c echo \"ver $VER\" > /ver.txt",
            "RUN |1 VER=2.0 /bin/sh -c echo \"ver $VER\" > /ver.txt # buildkit",
        ),
        (
            "RUN [\"/bin/sh\", \"-c\", \"echo exec > /exec.txt\"]",
            "|1 VER=2.0 /bin/sh -c echo exec > /exec.txt",
            "RUN |1 VER=2.0 /bin/sh -c echo exec > /exec.txt # buildkit",
        ),
        (
            "RUN [\"echo\", \"exec\", \"no args\"]",
            "echo exec no args",
            "RUN echo exec no args # buildkit",
        ),
        (
            "RUN echo late",
            "/bin/sh -c echo late",
            "RUN |1 LATE= /bin/sh -c echo late # buildkit",
        ),
        (
            "RUN true",
            "|2 Q=x y R=x y/z /bin/sh -c true",
            "RUN |2 Q=x y R=x y/z /bin/sh -c true # buildkit",
        ),
        (
            "RUN --mount=type=cache,target=/cache echo m > /m.txt",
            "/bin/sh -c echo m > /m.txt",
            "RUN /bin/sh -c echo m > /m.txt # buildkit",
        ),
    ];
    for (line, legacy, buildkit) in observed {
        assert_eq!(fit(line, legacy), Same, "{line} / {legacy}");
        assert_eq!(fit(line, buildkit), Same, "{line} / {buildkit}");
    }
    assert_eq!(fit("RUN make", "/bin/sh -c cd x && make"), Differs);
    assert_eq!(fit("RUN make", "|1 A=b /bin/sh -c cd x && make"), Differs);
    assert_eq!(fit("RUN true", "/bin/sh -c #(nop)  ENV A=b"), Unrelated);
    // A shell set by the base image's SHELL, which the chain cannot see.
    assert_eq!(fit("RUN make", "/bin/bash -o pipefail -c make"), Same);
    assert_eq!(fit("RUN make", "RUN make"), Same);
    assert_eq!(fit("RUN make", "RUN cd x && make"), Differs);
    assert_eq!(fit("RUN [\"true\"]", "|1 A=b true"), Same);
    assert_eq!(fit("RUN [\"true\"]", "/bin/sh -c true"), Differs);
}

#[test]
fn heredoc_runs_as_buildkit_dispatches_them() {
    // From BuildKit's dispatchRun (the 20.10 daemon's frontend cannot build heredocs).
    let simple = "RUN <<EOF\necho hi > /hd.txt\nEOF";
    assert_eq!(
        fit(simple, "RUN /bin/sh -c echo hi > /hd.txt\n # buildkit"),
        Fit::Same
    );
    let tabs = "RUN <<-EOF\n\techo a\n\t\techo b\n\tEOF";
    assert_eq!(
        fit(tabs, "RUN /bin/sh -c echo a\necho b\n # buildkit"),
        Fit::Same
    );
    let shebang = "RUN <<script\n#!/bin/sh\necho x\nscript";
    assert_eq!(
        fit(shebang, "RUN /bin/sh -c /dev/pipes/script # buildkit"),
        Fit::Same
    );
    let two = "RUN cat <<a >/x && cat <<\"b\" >/y\n1\na\n2\nb";
    assert_eq!(
        fit(
            two,
            "RUN /bin/sh -c cat <<a >/x && cat <<\"b\" >/y\n1\na\n2\nb # buildkit"
        ),
        Fit::Same
    );
}

#[test]
fn copy_and_add_forms() {
    use Fit::*;
    let hash = "679c43c79a56cffbb3b002bda3050542c152a2f09757a0f1a9578871f7cda00d";
    let legacy = |s: &str| format!("/bin/sh -c #(nop) {s} ");
    assert_eq!(
        fit(
            "COPY a.txt /src/",
            &legacy(&format!("COPY file:{hash} in /src/"))
        ),
        Same
    );
    assert_eq!(fit("COPY a.txt /src/", "COPY a.txt /src/ # buildkit"), Same);
    assert_eq!(
        fit("COPY a.txt /other/", "COPY a.txt /src/ # buildkit"),
        Differs
    );
    assert_eq!(
        fit("COPY b.txt /src/", "COPY a.txt /src/ # buildkit"),
        Differs
    );
    let chown = legacy(&format!("COPY --chown=1:1dir:{hash} in /src/dir"));
    assert_eq!(fit("COPY --chown=1:1 dir /src/dir", &chown), Same);
    assert_eq!(fit("COPY --chown=2:2 dir /src/dir", &chown), Differs);
    assert_eq!(fit("COPY dir /src/dir", &chown), Differs);
    // BuildKit in Docker 20.10 drops --chown, --chmod and --from; newer ones keep the first two.
    assert_eq!(
        fit(
            "COPY --chown=1:1 dir /src/dir",
            "COPY dir /src/dir # buildkit"
        ),
        Same
    );
    assert_eq!(
        fit(
            "COPY --chmod=755 a.txt /chm",
            "COPY --chmod=755 a.txt /chm # buildkit"
        ),
        Same
    );
    assert_eq!(
        fit("COPY a.txt /chm", "COPY --chmod=755 a.txt /chm # buildkit"),
        Differs
    );
    assert_eq!(
        fit(
            "COPY --from=builder /ver.txt /final/ver.txt",
            "COPY /ver.txt /final/ver.txt # buildkit"
        ),
        Same
    );
    // Variables are expanded in the history; relative destinations are kept as written.
    let multi = legacy(&format!("COPY multi:{hash} in /xdir/multi/"));
    assert_eq!(fit("COPY a.txt dir/ $X/multi/", &multi), Same);
    assert_eq!(
        fit(
            "COPY a.txt dir/ $X/multi/",
            "COPY a.txt dir/ /xdir/multi/ # buildkit"
        ),
        Same
    );
    assert_eq!(
        fit("COPY a.txt .", &legacy(&format!("COPY file:{hash} in ."))),
        Same
    );
    assert_eq!(
        fit(
            "COPY [\"a.txt\", \"/json dest/\"]",
            "COPY a.txt /json dest/ # buildkit"
        ),
        Same
    );
    assert_eq!(
        fit("COPY <<EOF /dst\nx\nEOF", "COPY <<EOF /dst # buildkit"),
        Same
    );
    assert_eq!(
        fit(
            "ADD a.txt /added.txt",
            &legacy(&format!("ADD file:{hash} in /added.txt"))
        ),
        Same
    );
    assert_eq!(
        fit("ADD a.txt /added.txt", "COPY a.txt /added.txt # buildkit"),
        Unrelated
    );
}

#[test]
fn metadata_forms() {
    use Fit::*;
    let cases = [
        (
            "ENV BUILD_ENV=yes  OTHER=\"two words\"",
            "ENV BUILD_ENV=yes OTHER=two words",
        ),
        ("ENV A b", "ENV A=b"),
        ("ENV P=$Q/bin Z='$lit'", "ENV P=x y/bin Z=$lit"),
        ("ARG VER=1.0", "ARG VER=1.0"),
        ("ARG VER", "ARG VER"),
        ("ARG Q=\"x y\"", "ARG Q=x y"),
        ("ARG R=$Q/z", "ARG R=x y/z"),
        (
            "LABEL org.example.a=\"b c\" d=e",
            "LABEL org.example.a=b c d=e",
        ),
        ("LABEL lab val", "LABEL lab=val"),
        (
            "MAINTAINER someone <s@example.com>",
            "MAINTAINER someone <s@example.com>",
        ),
        ("WORKDIR /src", "WORKDIR /src"),
        ("WORKDIR $X", "WORKDIR /xdir"),
        ("WORKDIR sub", "WORKDIR /xdir/sub"),
        ("WORKDIR /w/", "WORKDIR /w/"),
        ("USER 0:0", "USER 0:0"),
        ("VOLUME /data", "VOLUME [/data]"),
        ("VOLUME [\"/a\", \"/b\"]", "VOLUME [/a /b]"),
        ("EXPOSE 8080/tcp 9090", "EXPOSE 8080/tcp 9090"),
        (
            "EXPOSE 8080/tcp 9090",
            "EXPOSE map[8080/tcp:{} 9090/tcp:{}]",
        ),
        ("EXPOSE 8000-8002 53/udp", "EXPOSE 53/udp 8000-8002"),
        (
            "EXPOSE 8000-8002 53/udp",
            "EXPOSE map[53/udp:{} 8000/tcp:{} 8001/tcp:{} 8002/tcp:{}]",
        ),
        ("CMD [\"c1\", \"c2\"]", "CMD [\"c1\" \"c2\"]"),
        (
            "ENTRYPOINT echo ep",
            "ENTRYPOINT [\"/bin/sh\" \"-c\" \"echo ep\"]",
        ),
        (
            "CMD echo \"quoted \\\"x\\\"\" \ttab",
            r#"CMD ["/bin/sh" "-c" "echo \"quoted \\\"x\\\"\" \ttab"]"#,
        ),
        (
            "HEALTHCHECK --interval=5s CMD [\"true\"]",
            r#"HEALTHCHECK &{["CMD" "true"] "5s" "0s" "0s" '\x00'}"#,
        ),
        (
            "HEALTHCHECK CMD echo ok",
            r#"HEALTHCHECK &{["CMD-SHELL" "echo ok"] "0s" "0s" "0s" '\x00'}"#,
        ),
        (
            "SHELL [\"/bin/sh\", \"-e\", \"-c\"]",
            "SHELL [/bin/sh -e -c]",
        ),
        ("STOPSIGNAL SIGTERM", "STOPSIGNAL SIGTERM"),
        ("ONBUILD RUN echo onbuild", "ONBUILD RUN echo onbuild"),
    ];
    for (line, buildkit) in cases {
        assert_eq!(fit(line, buildkit), Same, "{line} / {buildkit}");
        let legacy = format!("/bin/sh -c #(nop)  {buildkit}");
        assert_eq!(fit(line, &legacy), Same, "{line} / {legacy}");
    }
    assert_eq!(fit("ENV A=c", "ENV A=b"), Differs);
    assert_eq!(fit("WORKDIR sub", "WORKDIR /xdir/other"), Differs);
    assert_eq!(fit("EXPOSE 80", "EXPOSE map[81/tcp:{}]"), Differs);
    assert_eq!(fit("USER app", "USER root"), Differs);
    assert_eq!(fit("CMD [\"a\"]", "CMD [\"b\"]"), Differs);
}

#[test]
fn go_quoting() {
    assert_eq!(go_quote("a\"b\\c\td\u{1}é"), "\"a\\\"b\\\\c\\td\\x01é\"");
}
