"""A custom import-linter contract: callers may reach a package only through its facades.

``connectors`` may import ``commerce.api``, ``commerce.events`` and ``commerce.data`` (and the
same modules of ``lms`` and ``payouts``), and nothing else of those packages. The built-in
``forbidden`` contract cannot say "all but these", and listing every internal module by name
would silently let new ones through. Used by ``.importlinter`` only; never imported at runtime.
"""

from __future__ import annotations

from importlinter import Contract, ContractCheck, fields, output


class FacadeContract(Contract):
    type_name = "facade"

    importers = fields.ListField(subfield=fields.StringField())
    packages = fields.ListField(subfield=fields.StringField())
    facades = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        importers = [str(name) for name in self.importers]  # type: ignore[attr-defined]
        facades = [str(name) for name in self.facades]  # type: ignore[attr-defined]
        violations = []
        for package in self.packages:  # type: ignore[attr-defined]
            package = str(package)
            allowed = {f"{package}.{facade}" for facade in facades}
            for importer in _modules_in(graph, importers):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    if imported != package and not imported.startswith(package + "."):
                        continue
                    if any(imported == a or imported.startswith(a + ".") for a in allowed):
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    lines = ", ".join(str(d["line_number"]) for d in details) or "?"
                    violations.append((importer, imported, lines))
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported, lines in check.metadata["violations"]:
            output.print_error(
                f"{importer} -> {imported} (l.{lines}): only "
                + ", ".join(str(f) for f in self.facades)  # type: ignore[attr-defined]
                + " may be imported",
                bold=False,
            )
            output.new_line()


def _modules_in(graph, roots: list[str]) -> list[str]:
    modules = []
    for root in roots:
        modules.append(root)
        modules.extend(graph.find_descendants(root))
    return sorted(set(modules))
