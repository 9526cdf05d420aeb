"""Local fake HTTP servers of the hosted services the shipped ``http_api`` definitions talk to,
each answering as the vendor's public API documentation says."""
