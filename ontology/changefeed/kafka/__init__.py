"""The change feed on a Kafka topic (production: a worker process, many servers): ``_feed``."""

from ontology.changefeed.kafka._feed import KafkaChangeFeed, KafkaChangeFeedSettings

__all__ = ["KafkaChangeFeed", "KafkaChangeFeedSettings"]
