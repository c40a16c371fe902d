"""The model's truth comes from a world that names each extract row's file: an older world's
truth is refused, saying to build it again."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bakehouse.errors import ConfigError
from bakehouse.modelling.truth import check_truth, map_children


def test_a_truth_whose_records_name_no_files_is_refused_before_any_join(tmp_path: Path) -> None:
    pq.write_table(
        pa.table({"person_id": [7], "p_gld": [0.7], "p_gld_from_records": [0.6]}),
        tmp_path / "children.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "source": ["early_education"],
                "row_number": [1],
                "person_role": ["subject"],
                "person_id": [7],
            }
        ),
        tmp_path / "records.parquet",
    )
    with pytest.raises(ConfigError, match="does not name each row's file") as refused:
        check_truth(tmp_path)
    assert "bakehouse world" in str(refused.value.fix)
    with pytest.raises(ConfigError, match="older version of Bakehouse"):
        map_children(tmp_path / "no-workspace", tmp_path, ["a"])
