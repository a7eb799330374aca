"""Analytics (数据汇总分析/报表): rollups of calls and work orders, period reports with 环比/同比,
drill-down, hotspots and exports (docs/analytics.md)."""
