"""`python -m fakekapi.cli`, as the module it was before it became a package."""

from fakekapi.cli import main

main()
