"""Where models live: the MLflow tracking/registry URI and the registered model's name."""

from __future__ import annotations

from features.settings import HomeSettings


class RegistrySettings(HomeSettings):
    """MLflow tracking/registry URI and the registered model's name (env prefix LEADGRADE_)."""

    tracking_uri: str | None = None
    model_name: str = "leadgrade"

    @property
    def mlflow_uri(self) -> str:
        """The tracking URI: as configured, or a SQLite database in the home folder."""
        return self.tracking_uri or f"sqlite:///{self.home / 'mlflow.db'}"

    @property
    def artifact_root(self) -> str:
        return (self.home / "mlartifacts").as_uri()
