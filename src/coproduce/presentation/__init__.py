"""The one presentation layer: how results are said to readers, the same in the CLI, the web
pages and the reports. Figures go through :mod:`coproduce.formatting`; names of things through
:mod:`.labels` (identifiers and code paths never reach a reader); caveats through :mod:`.flags`
(one vocabulary). The domains return numbers and identifiers; words are made here."""
