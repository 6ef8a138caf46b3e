"""Ministry analytics with pandas: dashboards, exports, monthly report."""
