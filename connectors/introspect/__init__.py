"""Reading a shop's database to draft its data map (``dsr datamap propose``) and to check how
far a map reaches for one test subject (``dsr datamap coverage``).

:mod:`.schema` reads tables, keys and samples with SQLAlchemy's inspector; :mod:`.classify`
tells personal columns from others by name *and* content; :mod:`.links` finds the subject table
and the paths from every table to it; :mod:`.propose` writes the draft map and register (never a
sampled value); :mod:`.presets` adapts a shipped preset; :mod:`.coverage` searches every table; :mod:`.content_check` adds
the sampled-content warnings of ``dsr datamap check``.
"""
