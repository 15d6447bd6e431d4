import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  UseInterceptors,
} from '@nestjs/common';
import { Context, type RequestContext } from '../context/request-context.js';
import { RecordsService } from './records.service.js';
import * as res from '../http/response-schemas.js';
import * as schemas from '../http/schemas.js';
import { ApiRoute, errors } from '../openapi/contract.js';
import {
  IDEMPOTENCY_HEADER_CONTRACT,
  IdempotencyInterceptor,
} from '../idempotency/idempotency.interceptor.js';

/**
 * What a write can answer: a bad body, a missing collection, a log that pushes back, a write
 * running under the same Idempotency-Key (409).
 */
const WRITE_ERRORS = errors('path', 'body', 'backend', [404, 409, 429]);

const BASE = 'api/v2/tenants/:tenant/databases/:database/collections/:id';

/** Chroma's record routes. Transport only: every rule is in RecordsService. */
@Controller(BASE)
export class RecordsController {
  constructor(@Inject(RecordsService) private readonly records: RecordsService) {}

  @Post('add')
  @HttpCode(201)
  @ApiRoute({
    operationId: 'collection_add',
    summary: 'Add records (existing ids are left unchanged)',
    tags: ['records'],
    body: schemas.addSchema,
    response: res.emptySchema,
    headers: IDEMPOTENCY_HEADER_CONTRACT,
    errors: WRITE_ERRORS,
  })
  @UseInterceptors(IdempotencyInterceptor)
  add(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.records.limited(ctx, id, 'write', () => this.records.add(ctx, id, body));
  }

  @Post('upsert')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'collection_upsert',
    summary: 'Insert or merge records',
    tags: ['records'],
    body: schemas.upsertSchema,
    response: res.emptySchema,
    headers: IDEMPOTENCY_HEADER_CONTRACT,
    errors: WRITE_ERRORS,
  })
  @UseInterceptors(IdempotencyInterceptor)
  upsert(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.records.limited(ctx, id, 'write', () => this.records.upsert(ctx, id, body));
  }

  @Post('update')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'collection_update',
    summary: 'Update existing records',
    tags: ['records'],
    body: schemas.updateSchema,
    response: res.emptySchema,
    headers: IDEMPOTENCY_HEADER_CONTRACT,
    errors: WRITE_ERRORS,
  })
  @UseInterceptors(IdempotencyInterceptor)
  update(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.records.limited(ctx, id, 'write', () => this.records.update(ctx, id, body));
  }

  @Post('delete')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'collection_delete',
    summary: 'Delete records by ids and/or filters',
    tags: ['records'],
    body: schemas.deleteSchema,
    response: res.deleteRecordsSchema,
    headers: IDEMPOTENCY_HEADER_CONTRACT,
    errors: WRITE_ERRORS,
  })
  @UseInterceptors(IdempotencyInterceptor)
  delete(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.records.limited(ctx, id, 'write', () => this.records.delete(ctx, id, body));
  }

  @Post('get')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'collection_get',
    summary: 'Get records (first-insertion order)',
    tags: ['records'],
    body: schemas.getSchema,
    response: res.getResultSchema,
    errors: errors('path', 'body', 'backend', [404]),
  })
  get(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.records.limited(ctx, id, 'read', () => this.records.get(ctx, id, body));
  }

  @Post('query')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'collection_query',
    summary: 'Nearest neighbours per query vector',
    tags: ['records'],
    body: schemas.querySchema,
    response: res.queryResultSchema,
    errors: errors('path', 'body', 'backend', [404]),
  })
  query(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.records.limited(ctx, id, 'read', () => this.records.query(ctx, id, body));
  }

  @Get('count')
  @ApiRoute({
    operationId: 'collection_count',
    summary: 'Number of records',
    tags: ['records'],
    query: { read_level: schemas.readLevelSchema },
    response: res.countSchema,
    errors: errors('path', 'backend', [404]),
  })
  count(
    @Context() ctx: RequestContext,
    @Param('id') id: string,
    @Query('read_level') readLevel: unknown,
  ) {
    return this.records.limited(ctx, id, 'read', () => this.records.count(ctx, id, readLevel));
  }
}
