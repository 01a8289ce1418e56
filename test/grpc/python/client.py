"""A client of cx-journey written from the .proto files alone, as a data team would write one.

Usage: client.py STUBS_DIR INGESTION_ADDRESS QUERY_ADDRESS TOKEN RUN_PREFIX

Calls every method of TouchpointIngestion and CustomerJourneyQuery, and the standard health
check of both services, then prints one JSON object with what each call answered.
"""

import json
import sys

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402
from google.protobuf import struct_pb2  # noqa: E402

from cx.journey.v1 import customer_journey_query_pb2 as query_pb2  # noqa: E402
from cx.journey.v1 import customer_journey_query_pb2_grpc as query_grpc  # noqa: E402
from cx.journey.v1 import touchpoint_ingestion_pb2 as ingestion_pb2  # noqa: E402
from cx.journey.v1 import touchpoint_ingestion_pb2_grpc as ingestion_grpc  # noqa: E402
from cx.journey.v1 import touchpoint_pb2  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from health.v1 import health_pb2, health_pb2_grpc  # noqa: E402

_, _, INGESTION, QUERY, TOKEN, RUN = sys.argv
AUTH = (("authorization", "Bearer " + TOKEN),)
CUSTOMER = RUN + "-py1"


def as_dict(message):
    # Fields the service left out (null in REST) stay out; empty lists are left out too.
    return json_format.MessageToDict(message)


def touchpoint(n, **fields):
    attributes = struct_pb2.Struct()
    attributes.update({"agent": "a-7", "vip": True})
    values = dict(
        touchpoint_id="%s-py-%d" % (RUN, n),
        customer_id=CUSTOMER,
        occurred_at="2025-06-01T10:00:00Z",
        channel="chat",
        interaction="survey_response",
        survey=touchpoint_pb2.Survey(nps=9),
        attributes=attributes,
    )
    values.update(fields)
    # None leaves a field out, as a missing JSON field.
    return touchpoint_pb2.Touchpoint(**{k: v for k, v in values.items() if v is not None})


def refusal(error):
    """The status of a failed call, with its google.rpc details decoded."""
    answer = {"code": error.code().name, "reason": None, "violations": []}
    for key, value in error.trailing_metadata() or ():
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad_request = error_details_pb2.BadRequest()
                detail.Unpack(bad_request)
                answer["violations"] = [
                    {"path": v.field, "message": v.description}
                    for v in bad_request.field_violations
                ]
            elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                answer["reason"] = info.reason
                answer["domain"] = info.domain
    return answer


def main():
    out = {}
    with grpc.insecure_channel(INGESTION) as ingestion, grpc.insecure_channel(QUERY) as query:
        out["health"] = [
            health_pb2.HealthCheckResponse.ServingStatus.Name(
                health_pb2_grpc.HealthStub(channel)
                .Check(health_pb2.HealthCheckRequest(service=""))
                .status
            )
            for channel in (ingestion, query)
        ]

        writer = ingestion_grpc.TouchpointIngestionStub(ingestion)
        recorded = writer.Record(touchpoint(1), metadata=AUTH)
        out["record"] = as_dict(recorded)
        out["recordAgain"] = as_dict(writer.Record(touchpoint(1), metadata=AUTH))
        try:
            writer.Record(touchpoint(2, survey=touchpoint_pb2.Survey(nps=11)), metadata=AUTH)
            out["invalid"] = "accepted"
        except grpc.RpcError as error:
            out["invalid"] = refusal(error)
        batch = writer.RecordBatch(
            ingestion_pb2.RecordBatchRequest(
                touchpoints=[
                    touchpoint(3),
                    touchpoint(
                        4,
                        interaction="purchase",
                        survey=None,
                        value=touchpoint_pb2.Money(amount=129.9, currency="EUR"),
                    ),
                ]
            ),
            metadata=AUTH,
        )
        out["batch"] = as_dict(batch)
        streamed = writer.RecordStream(
            iter([touchpoint(5), touchpoint(6, channel="fax"), touchpoint(7)]), metadata=AUTH
        )
        out["stream"] = as_dict(streamed)

        position = max(r.position for r in list(batch.results) + list(streamed.results))
        reader = query_grpc.CustomerJourneyQueryStub(query)
        fresh = dict(customer_id=CUSTOMER, min_position=position, wait_ms=20000)
        out["profile"] = as_dict(
            reader.GetProfile(query_pb2.CustomerRequest(**fresh), metadata=AUTH)
        )
        out["journey"] = as_dict(
            reader.GetJourney(query_pb2.CustomerRequest(**fresh), metadata=AUTH)
        )
        out["emotion"] = as_dict(
            reader.GetEmotion(query_pb2.CustomerRequest(**fresh), metadata=AUTH)
        )
        out["loyalty"] = as_dict(
            reader.GetLoyalty(query_pb2.CustomerRequest(**fresh), metadata=AUTH)
        )
        out["touchpoints"] = as_dict(
            reader.ListTouchpoints(
                query_pb2.ListTouchpointsRequest(limit=2, **fresh), metadata=AUTH
            )
        )
        # The listing holds every customer of the read model: page through it for ours.
        found, cursor = [], None
        while True:
            request = query_pb2.ListCustomersRequest(min_position=position, limit=200)
            if cursor is not None:
                request.cursor = cursor
            page = reader.ListCustomers(request, metadata=AUTH)
            found += [as_dict(c) for c in page.items if c.customer_id.startswith(RUN + "-")]
            if not page.HasField("next_cursor"):
                break
            cursor = page.next_cursor
        out["customers"] = {"items": found}
        out["metrics"] = as_dict(
            reader.GetMetrics(
                query_pb2.GetMetricsRequest(
                    **{"from": "2025-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
                    interval="month",
                    min_position=position,
                ),
                metadata=AUTH,
            )
        )
        try:
            reader.GetProfile(query_pb2.CustomerRequest(customer_id=RUN + "-nobody"), metadata=AUTH)
            out["unknown"] = "found"
        except grpc.RpcError as error:
            out["unknown"] = refusal(error)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
