"""A rule whose output is a directory (a tree artifact): remote caches store it as a Tree."""

def _letters_impl(ctx):
    out = ctx.actions.declare_directory(ctx.label.name)
    ctx.actions.run_shell(
        inputs = [ctx.file.src],
        outputs = [out],
        command = "mkdir -p {out}/nested && tr a-z A-Z < {src} > {out}/upper.txt && tr A-Z a-z < {src} > {out}/nested/lower.txt".format(
            out = out.path,
            src = ctx.file.src.path,
        ),
    )
    return [DefaultInfo(files = depset([out]))]

letters = rule(
    implementation = _letters_impl,
    attrs = {"src": attr.label(allow_single_file = True)},
)
