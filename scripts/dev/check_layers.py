#!/usr/bin/python3
"""Fails when a file of src/ includes a header of a layer above its own, or when the files of one
layer include each other in a circle. The layers, bottom first, are those of docs/architecture.md."""
import os, re, sys

LAYERS = ["base", "target", "types", "layout", "mm", "log", "report", "session", "fleet", "capi", "cli"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/([A-Za-z0-9_./]+)"', re.M)

def main(root):
    problems, graph = [], {}
    for layer in os.listdir(root):
        folder = os.path.join(root, layer)
        if not os.path.isdir(folder):
            continue
        if layer not in LAYERS:
            problems.append(f"src/{layer}/ is no layer of docs/architecture.md")
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith((".hpp", ".cpp", ".h", ".def")):
                continue
            path = f"{layer}/{name}"
            text = open(os.path.join(folder, name), encoding="utf-8", errors="replace").read()
            for to_layer, to_file in INCLUDE.findall(text):
                if to_layer not in LAYERS:
                    continue
                if LAYERS.index(to_layer) > LAYERS.index(layer):
                    problems.append(f"src/{path} includes {to_layer}/{to_file}: {to_layer} is above {layer}")
                graph.setdefault(path.rsplit(".", 1)[0], set()).add(f"{to_layer}/{to_file}".rsplit(".", 1)[0])
    # A unit is a .cpp with its .hpp; a circle among units of a layer runs back up just the same.
    def visit(node, stack, seen):
        if node in stack:
            return stack[stack.index(node):] + [node]
        if node in seen:
            return None
        seen.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt != node:
                circle = visit(nxt, stack + [node], seen)
                if circle:
                    return circle
        return None
    seen = set()
    for node in sorted(graph):
        circle = visit(node, [], seen)
        if circle:
            problems.append("include circle: " + " -> ".join(circle))
            break
    for p in problems:
        print(p)
    print(f"check_layers: {len(graph)} units, {len(problems)} problem(s)")
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "src"))
