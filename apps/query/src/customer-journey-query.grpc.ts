import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { QUERY_SERVICE, touchpointMessageOfBody } from '@cx/contracts';
import type { GrpcCall, GrpcService, GrpcServiceBinding, UnaryMethod } from '@cx/platform';
import { ExperienceMetricsRequestDto } from './analytics/analytics.request.dto';
import { GetExperienceMetricsQuery } from './analytics/analytics.queries';
import {
  CustomerPathDto,
  CustomerQueryRequestDto,
  ListCustomersRequestDto,
  ListTouchpointsRequestDto,
} from './common/request.dto';
import { validateRequest } from './common/request-validation';
import { GetCustomerEmotionQuery } from './get-customer-emotion/get-customer-emotion.query';
import { GetCustomerJourneyQuery } from './get-customer-journey/get-customer-journey.query';
import { GetCustomerLoyaltyQuery } from './get-customer-loyalty/get-customer-loyalty.query';
import { GetCustomerProfileQuery } from './get-customer-profile/get-customer-profile.query';
import { ListCustomerTouchpointsQuery } from './list-customer-touchpoints/list-customer-touchpoints.query';
import type { CustomerTimelineResponseDto } from './list-customer-touchpoints/list-customer-touchpoints.response.dto';
import { ListCustomersQuery } from './list-customers/list-customers.query';

type Parameters = Readonly<Record<string, unknown>>;

function parametersOf(request: unknown): Parameters {
  return typeof request === 'object' && request !== null ? (request as Parameters) : {};
}

/** The path parameter and the query string of a REST route, out of one gRPC request. */
async function customerRequest<T extends object>(
  request: unknown,
  dto: new () => T,
): Promise<{ customerId: string; query: T }> {
  const { customerId, ...query } = parametersOf(request);
  // Path before query string, as Nest validates the route's parameters.
  const path = await validateRequest(CustomerPathDto, { customerId });
  return { customerId: path.customerId, query: await validateRequest(dto, query) };
}

/** The timeline's touchpoints with their attributes as a Struct, nulls left out. */
function timelineMessage(timeline: CustomerTimelineResponseDto): object {
  return {
    ...timeline,
    items: timeline.items.map((item) => ({
      ...item,
      touchpoint: touchpointMessageOfBody(item.touchpoint as unknown as Record<string, unknown>),
    })),
  };
}

/**
 * CustomerJourneyQuery over gRPC: every method validates its request with the DTO classes of its
 * REST route and sends the same query through the same bus, so both answer alike.
 */
@Injectable()
export class CustomerJourneyQueryGrpc implements GrpcService {
  constructor(private readonly queryBus: QueryBus) {}

  binding(): GrpcServiceBinding {
    const read = (handle: UnaryMethod['handle']): UnaryMethod => ({
      kind: 'unary',
      scopes: ['customers:read'],
      handle,
    });
    return {
      service: QUERY_SERVICE,
      methods: {
        GetProfile: read(async (request) => {
          const { customerId, query } = await customerRequest(request, CustomerQueryRequestDto);
          return this.queryBus.execute(new GetCustomerProfileQuery(customerId, query));
        }),
        GetJourney: read(async (request) => {
          const { customerId, query } = await customerRequest(request, CustomerQueryRequestDto);
          return this.queryBus.execute(new GetCustomerJourneyQuery(customerId, query));
        }),
        GetEmotion: read(async (request) => {
          const { customerId, query } = await customerRequest(request, CustomerQueryRequestDto);
          return this.queryBus.execute(new GetCustomerEmotionQuery(customerId, query));
        }),
        GetLoyalty: read(async (request) => {
          const { customerId, query } = await customerRequest(request, CustomerQueryRequestDto);
          return this.queryBus.execute(new GetCustomerLoyaltyQuery(customerId, query));
        }),
        ListTouchpoints: {
          ...read((request, call) => this.listTouchpoints(request, call)),
          audit: {
            action: 'personal.read',
            personalOnly: true,
            customerId: (request) => {
              const id = parametersOf(request).customerId;
              return typeof id === 'string' ? id : null;
            },
          },
        },
        ListCustomers: read(async (request) => {
          const parameters = await validateRequest(ListCustomersRequestDto, parametersOf(request));
          const { minPosition, waitMs, ...criteria } = parameters;
          return this.queryBus.execute(new ListCustomersQuery(criteria, { minPosition, waitMs }));
        }),
        GetMetrics: {
          kind: 'unary',
          scopes: ['analytics:read'],
          handle: async (request) => {
            const parameters = await validateRequest(
              ExperienceMetricsRequestDto,
              parametersOf(request),
            );
            const { minPosition, waitMs, ...criteria } = parameters;
            return this.queryBus.execute(
              new GetExperienceMetricsQuery(criteria, { minPosition, waitMs }),
            );
          },
        },
      },
    };
  }

  /** = GET /v1/customers/{customerId}/touchpoints */
  private async listTouchpoints(request: unknown, { principal }: GrpcCall): Promise<object> {
    const { customerId, query } = await customerRequest(request, ListTouchpointsRequestDto);
    const { limit, cursor, ...consistency } = query;
    const timeline: CustomerTimelineResponseDto = await this.queryBus.execute(
      new ListCustomerTouchpointsQuery(
        customerId,
        { limit, ...(cursor === undefined ? {} : { cursor }) },
        consistency,
        principal.scopes.has('personal:read'),
      ),
    );
    return timelineMessage(timeline);
  }
}
