//! How findings name a layer: its index and the Dockerfile step that made it, read from the
//! history (`/bin/sh -c ...`, `#(nop)`, BuildKit's forms) or, with `--dockerfile`, from the
//! Dockerfile itself with its line.

use crate::image::{Image, Layer};

/// "layer 3 (RUN apt-get update)": the layer and the Dockerfile step that made it; with
/// `--dockerfile`, "layer 3 (RUN apt-get update, Dockerfile:7)".
pub fn layer_label(image: &Image, index: usize) -> String {
    let Some(layer) = image.layers.get(index) else {
        return format!("layer {index}");
    };
    let s = step(layer);
    match (&layer.dockerfile, s.is_empty()) {
        (Some(d), _) => format!("layer {index} ({s}, Dockerfile:{})", d.line),
        (None, false) => format!("layer {index} ({s})"),
        (None, true) => format!("layer {index}"),
    }
}

/// "layers 2, 3 and 5" (or "layer 2").
pub fn layers_label(layers: &[usize]) -> String {
    match layers {
        [] => String::new(),
        [one] => format!("layer {one}"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(ToString::to_string).collect();
            format!("layers {} and {last}", init.join(", "))
        }
    }
}

/// The Dockerfile step that made a layer, short and on one line: `RUN apt-get update`,
/// `COPY file:ab12… in /app`; the Dockerfile's own text when it was paired.
pub fn step(layer: &Layer) -> String {
    if let Some(d) = &layer.dockerfile {
        return shorten(&d.text);
    }
    let Some(raw) = layer.history.as_ref().and_then(|h| h.created_by.as_deref()) else {
        return String::new();
    };
    let raw = raw.trim();
    let raw = raw.strip_suffix("# buildkit").unwrap_or(raw).trim_end();
    // BuildKit writes `RUN /bin/sh -c CMD`: the shell is noise.
    let raw = match raw.strip_prefix("RUN /bin/sh -c ") {
        Some(cmd) => format!("RUN {cmd}"),
        None => raw.to_string(),
    };
    let raw = raw.as_str();
    let text = if let Some(rest) = raw.strip_prefix("/bin/sh -c #(nop)") {
        rest.trim().to_string()
    } else if let Some(rest) = raw.strip_prefix("/bin/sh -c ") {
        format!("RUN {}", rest.trim())
    } else if INSTRUCTIONS.contains(&raw.split_whitespace().next().unwrap_or("")) {
        raw.to_string()
    } else {
        // The legacy builder records an exec-form RUN as the bare command.
        format!("RUN {raw}")
    };
    // `COPY dir:<64 hex> in /app`: the content hash says little; keep 12 digits of it.
    let one_line = text
        .split_whitespace()
        .map(|w| match w.split_once(':') {
            Some((src @ ("file" | "dir" | "multi"), hash))
                if hash.len() > 12 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                format!("{src}:{}…", &hash[..12])
            }
            _ => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ");
    shorten(&one_line)
}

/// The whole instruction that made a layer, on one line: the Dockerfile's text when paired,
/// else the history's `created_by` (for matching words, where [`step`] would cut it short).
pub fn instruction(layer: &Layer) -> String {
    let text = match (&layer.dockerfile, &layer.history) {
        (Some(d), _) => d.text.clone(),
        (None, Some(h)) => h.created_by.clone().unwrap_or_default(),
        (None, None) => String::new(),
    };
    let text = text.trim();
    let text = text.strip_suffix("# buildkit").unwrap_or(text);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One line of at most 60 characters, control characters escaped (`\x1b`): a step's text
/// comes from the image and goes to terminals and CI logs.
fn shorten(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let one_line = crate::index::path::escape(one_line.as_bytes());
    if one_line.chars().count() > 60 {
        one_line.chars().take(59).collect::<String>() + "…"
    } else {
        one_line
    }
}

const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::*;

    #[test]
    fn steps_read_like_the_dockerfile() {
        let label = |created_by: &str| {
            let img = image(vec![("x", vec![])], None);
            let mut layer = img.layers[0].clone();
            layer.history.as_mut().unwrap().created_by = Some(created_by.to_string());
            step(&layer)
        };
        assert_eq!(label("/bin/sh -c apt-get update"), "RUN apt-get update");
        assert_eq!(
            label(&format!(
                "/bin/sh -c #(nop) COPY dir:{} in /app/ ",
                "ab".repeat(32)
            )),
            "COPY dir:abababababab… in /app/"
        );
        assert_eq!(
            label("/bin/busybox --install -s /bin"),
            "RUN /bin/busybox --install -s /bin"
        );
        assert_eq!(label("WORKDIR /app"), "WORKDIR /app");
        assert_eq!(label("RUN /bin/sh -c make # buildkit"), "RUN make");
        assert_eq!(label(&"RUN x ".repeat(20)).chars().count(), 60);
        assert_eq!(label("/bin/sh -c echo \x1b[2J"), "RUN echo \\x1b[2J");
    }

    #[test]
    fn several_layers_and_dockerfile_lines() {
        assert_eq!(layers_label(&[4]), "layer 4");
        assert_eq!(layers_label(&[1, 2, 5]), "layers 1, 2 and 5");
        let mut img = image(vec![("pip install -r r.txt", vec![])], None);
        assert_eq!(layer_label(&img, 0), "layer 0 (RUN pip install -r r.txt)");
        img.layers[0].dockerfile = Some(crate::image::DockerfileStep {
            line: 7,
            text: "RUN pip install \\\n    -r r.txt".replace("\\\n", " "),
        });
        assert_eq!(
            layer_label(&img, 0),
            "layer 0 (RUN pip install -r r.txt, Dockerfile:7)"
        );
    }
}
