"""The one thing pyproject.toml cannot say: a wheel carries three top-level folders inside the package.

The product keeps templates/, static/ and migrations/ at the top of the repository. An installed app
finds them beside its code, as summit/templates, summit/static and summit/migrations
(summit/__init__.py looks there first, then at the top of a checkout); pyproject.toml's package-data
names the files each carries.

The folders are mapped by the build step alone, not in the distribution's package-dir, on purpose: a
package-dir mapping makes setuptools serve an editable install through an import hook, and warn about
it on every `./dev` run. Without one, an editable install is a plain .pth entry for the checkout, where
the folders already sit at the top. (In an editable install build_py copies nothing, so the mapping is
unused there.)
"""
from setuptools import setup
from setuptools.command.build_py import build_py

#: package in the wheel -> folder at the top of the repository
RESOURCE_FOLDERS = {"summit.templates": "templates", "summit.static": "static", "summit.migrations": "migrations"}


class build_py_with_resource_folders(build_py):
    def finalize_options(self):
        super().finalize_options()
        self.package_dir.update(RESOURCE_FOLDERS)
        self.packages = [*self.packages, *RESOURCE_FOLDERS]


setup(cmdclass={"build_py": build_py_with_resource_folders})
