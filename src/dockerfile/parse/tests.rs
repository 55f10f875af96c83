//! The parser on the forms Docker accepts: directives, continuations, flags, heredocs,
//! stages, and the errors for what it refuses.

use super::*;

fn one(text: &str) -> Instruction {
    let file = parse(&format!("FROM scratch\n{text}")).unwrap();
    assert_eq!(file.stages[0].instructions.len(), 1, "{text}");
    file.stages[0].instructions[0].clone()
}

#[test]
fn keywords_any_case_flags_and_forms() {
    let run = one("run --mount=type=cache,target=/root/.cache --network=none make all");
    assert_eq!(run.keyword, Keyword::Run);
    assert_eq!(
        run.flags,
        [
            (
                "mount".to_string(),
                "type=cache,target=/root/.cache".to_string()
            ),
            ("network".to_string(), "none".to_string())
        ]
    );
    assert_eq!(run.args, "make all");
    assert_eq!(run.exec_form(), None);

    let exec = one(r#"RUN ["/bin/busybox", "--install", "-s", "/bin"]"#);
    assert_eq!(
        exec.exec_form().unwrap(),
        ["/bin/busybox", "--install", "-s", "/bin"]
    );

    let copy = one(r#"Copy --from=builder --chown="1:1" --chmod=755 --link /src /dst"#);
    assert_eq!(copy.flag("from"), Some("builder"));
    assert_eq!(copy.flag("chown"), Some("1:1"));
    assert_eq!(copy.flag("link"), Some(""));
    assert_eq!(copy.flag("parents"), None);
    assert_eq!(copy.args, "/src /dst");
}

#[test]
fn continuations_join_as_docker_joins_them() {
    // Observed: both builders recorded `echo   multi     spaced    &&     echo done`.
    let text = "FROM scratch\nRUN echo   multi \\\n    spaced    && \\\n    echo done\nUSER 1";
    let file = parse(text).unwrap();
    let run = &file.stages[0].instructions[0];
    assert_eq!(run.args, "echo   multi     spaced    &&     echo done");
    assert_eq!((run.line, run.end_line), (2, 4));
    assert_eq!(file.stages[0].instructions[1].line, 5);

    // A comment and a blank line inside a continuation are skipped; `\\` at the end of a
    // line does not continue it.
    let text = "FROM scratch\nRUN a \\\n  # note\n\n  && b\nRUN c \\\\\nUSER 1\n";
    let file = parse(text).unwrap();
    let i = &file.stages[0].instructions;
    assert_eq!((i[0].args.as_str(), i[0].end_line), ("a   && b", 5));
    assert_eq!(i[1].args, "c \\\\");
    assert_eq!(i[2].keyword, Keyword::User);
}

#[test]
fn directives_set_the_escape_character_only_at_the_top() {
    let text = "# syntax=docker/dockerfile:1.4\n# escape=`\nFROM scratch\n\
                RUN echo lc `\n  # a comment inside\n  && echo after\nWORKDIR C:\\app\n";
    let file = parse(text).unwrap();
    assert_eq!(file.syntax.as_deref(), Some("docker/dockerfile:1.4"));
    assert_eq!(file.escape, '`');
    let i = &file.stages[0].instructions;
    assert_eq!(i[0].args, "echo lc   && echo after");
    assert_eq!((i[0].escape, i[1].args.as_str()), ('`', "C:\\app"));

    // After any other line, a directive is a comment.
    let file = parse("# hello\n# escape=`\nFROM scratch\nRUN a `\n").unwrap();
    assert_eq!(file.escape, '\\');
    assert_eq!(file.stages[0].instructions[0].args, "a `");

    let err = parse("# escape=x\nFROM scratch\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Dockerfile line 1: invalid escape character \"x\": use ` or \\"
    );
    assert!(parse("# escape=`\n# escape=`\nFROM a\n").is_err());
}

#[test]
fn heredocs() {
    let text = "FROM scratch\nRUN <<EOF\necho hi > /hd.txt\nEOF\n\
                RUN <<-\"BODY\" cat >/x && cat <<two >/y\n\t\tline $x\n\tBODY\n2 $y\ntwo\n\
                COPY <<EOF /dst\ncontent\nEOF\nRUN [\"sh\", \"-c\", \"cat <<EOF\"]\nUSER 1\n";
    let file = parse(text).unwrap();
    let i = &file.stages[0].instructions;
    assert_eq!(i.len(), 5);
    assert_eq!(
        (i[0].args.as_str(), i[0].line, i[0].end_line),
        ("<<EOF", 2, 4)
    );
    assert_eq!(
        i[0].heredocs,
        [Heredoc {
            name: "EOF".into(),
            body: "echo hi > /hd.txt\n".into(),
            strip_tabs: false,
            expand: true,
        }]
    );
    assert_eq!(i[1].heredocs.len(), 2);
    assert_eq!(
        (
            i[1].heredocs[0].name.as_str(),
            i[1].heredocs[0].body.as_str()
        ),
        ("BODY", "line $x\n")
    );
    assert!(i[1].heredocs[0].strip_tabs && !i[1].heredocs[0].expand);
    assert_eq!(i[1].heredocs[1].body, "2 $y\n");
    assert_eq!((i[1].line, i[1].end_line), (5, 9));
    assert_eq!(i[2].heredocs[0].body, "content\n");
    assert!(i[3].heredocs.is_empty(), "exec form has no heredocs");
    assert_eq!((i[4].keyword, i[4].line), (Keyword::User, 14));

    let err = parse("FROM scratch\nRUN <<EOF\necho\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Dockerfile line 2: the heredoc <<EOF has no line \"EOF\" that ends it"
    );
}

#[test]
fn stages_and_global_args() {
    let text = "ARG BASE=alpine:3\nFROM --platform=$BUILDPLATFORM ${BASE} AS Build\n\
                RUN make\nfrom build\nCOPY --from=build /a /b\n";
    let file = parse(text).unwrap();
    assert_eq!(file.global_args.len(), 1);
    assert_eq!(file.stages.len(), 2);
    let s = &file.stages[0];
    assert_eq!(
        (
            s.name.as_deref(),
            s.base.as_str(),
            s.platform.as_deref(),
            s.line
        ),
        (Some("build"), "${BASE}", Some("$BUILDPLATFORM"), 2)
    );
    assert_eq!(file.stages[1].base, "build");
    assert_eq!(file.stages[1].instructions.len(), 1);
}

#[test]
fn errors_name_the_line() {
    let err = |t: &str| parse(t).unwrap_err().to_string();
    assert_eq!(
        err("FROM a\nRUN x\nFOO bar\n"),
        "Dockerfile line 3: unknown instruction \"FOO\""
    );
    assert_eq!(
        err("# c\nENV A=b\nFROM a\n"),
        "Dockerfile line 2: ENV comes before the first FROM, where only ARG may"
    );
    assert_eq!(err("ARG A\n"), "the Dockerfile has no FROM instruction");
    assert_eq!(err(""), "the Dockerfile has no FROM instruction");
    assert_eq!(
        err("FROM a b\n"),
        "Dockerfile line 1: FROM needs an image, optionally followed by AS and a name"
    );
    assert!(err("FROM a\nONBUILD FROM b\n").contains("line 2"));
    let big = "#".repeat(MAX_DOCKERFILE_BYTES + 1);
    assert_eq!(
        err(&big),
        "the Dockerfile is 1048577 bytes; layerlens reads Dockerfiles of up to 1048576 \
         bytes (1 MiB)"
    );
}

#[test]
fn odd_input_never_panics() {
    for text in [
        "FROM a\nRUN \\",
        "FROM a\nRUN <<",
        "FROM a\nRUN <<-\n",
        "FROM a\nCOPY --",
        "FROM a\nCOPY --x=\"unclosed",
        "FROM a\nRUN --m=`",
        "\u{feff}FROM a\r\nRUN x\r\n",
        "FROM a\nRUN ${",
        "FROM a\nONBUILD\n",
        "# escape=`\nFROM a\nRUN x``\n",
    ] {
        let _ = parse(text);
    }
    let crlf = parse("\u{feff}FROM a\r\nRUN x \\\r\n  y\r\n").unwrap();
    assert_eq!(crlf.stages[0].instructions[0].args, "x   y");
}
