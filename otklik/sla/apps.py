from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "otklik.sla"
    label = "sla"

    def ready(self) -> None:
        # The case rollups judge "in time" by these policies; they sit below sla, so they are handed the reader.
        from otklik.rollups.cases import policies_reader
        from otklik.sla.selectors import sla_policies

        policies_reader(sla_policies)
