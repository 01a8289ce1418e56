import { Controller, Delete, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CustomerErasure } from '@cx/read-models';
import {
  Audited,
  CurrentPrincipal,
  RequireScope,
  type Principal,
  type StatusSettable,
} from '@cx/platform';
import { ApiCustomerErrors } from '../common/api-errors';
import { CustomerPathDto } from '../common/request.dto';
import { queryError, QueryErrorCode } from '../query.exception';
import { ErasureReceiptDto, ReadmissionDto } from './erasure-receipt.dto';

/** The right to erasure: one request makes a customer's personal data unreadable everywhere. */
@ApiTags('privacy')
@RequireScope('admin')
@Controller('v1/customers')
export class EraseCustomerHttpController {
  constructor(private readonly erasure: CustomerErasure) {}

  @Delete(':customerId')
  @Audited('customer.erase')
  @ApiOperation({
    operationId: 'eraseCustomer',
    summary: "Erase a customer's personal data, with a receipt",
    description:
      "Destroys the customer's data key, which makes every sealed copy of their personal data unreadable: " +
      'in the event store and every earlier dump of it, on the topics and in the dead letters. The read ' +
      "models hold no personal data; the customer's non-personal history, profile and every aggregate stay. " +
      'Publishes cx.customer.erased.v1 on cx.customer-insights.v1. Later touchpoints of the customer are refused ' +
      'with 410 until an admin readmits the id. 201 with the receipt; 200 with the first receipt when the ' +
      'customer was already erased.',
  })
  @ApiCreatedResponse({ type: ErasureReceiptDto, description: 'Erased now.' })
  @ApiOkResponse({ type: ErasureReceiptDto, description: 'Already erased: the first receipt.' })
  @ApiCustomerErrors()
  async erase(
    @Param() path: CustomerPathDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<ErasureReceiptDto> {
    const outcome = await this.erasure.erase(path.customerId, principal.name);
    res.status(outcome.performed ? 201 : 200);
    return {
      ...outcome.receipt,
      steps: [...outcome.receipt.steps],
      kept: [...outcome.receipt.kept],
    };
  }

  @Post(':customerId/readmission')
  @Audited('customer.readmit')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'readmitCustomer',
    summary: 'Take touchpoints of an erased customer again',
    description:
      'From now on, under a new key; what was erased stays unreadable. 404 when the customer is not erased.',
  })
  @ApiOkResponse({ type: ReadmissionDto })
  @ApiCustomerErrors()
  async readmit(
    @Param() path: CustomerPathDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReadmissionDto> {
    if (!(await this.erasure.readmit(path.customerId, principal.name))) {
      throw queryError(QueryErrorCode.CustomerNotFound, 'customer not erased', [
        { path: 'customerId', message: `${path.customerId} is not erased: nothing to readmit` },
      ]);
    }
    return { customerId: path.customerId, readmitted: true };
  }
}
