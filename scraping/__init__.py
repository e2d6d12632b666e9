"""LeadEngine's scraping layer: turns search criteria into leads.

Plain Python with no Django import, so it can be used and tested on its own. The job layer
(`leadengine.jobs`) builds a `Criteria` and a `ScrapeSettings`, calls `runner.run_sources()` and
stores the `Lead` batches it yields.
"""
