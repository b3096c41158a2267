"""`python -m nlu.gazetteer ULIC.xml [dest.csv]`: import the TERYT street register."""

from nlu.gazetteer.teryt import main

raise SystemExit(main())
