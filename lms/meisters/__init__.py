"""Smart meisters (스마트 마이스터): retired large-company experts placed with SMEs,
their placements (파견), on-site visits and the closing report."""
