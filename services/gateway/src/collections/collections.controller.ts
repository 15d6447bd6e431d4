import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { InvalidArgumentError } from '@huedb/core';
import { CollectionsService } from './collections.service.js';

/** Tenants, databases and collections (Chroma v2). Transport only. */
@Controller('api/v2/tenants')
export class CollectionsController {
  constructor(@Inject(CollectionsService) private readonly service: CollectionsService) {}

  @Post()
  @HttpCode(200)
  createTenant(@Body() body: unknown) {
    return this.service.createTenant(body);
  }

  @Get(':tenant')
  getTenant(@Param('tenant') tenant: string) {
    return this.service.getTenant(tenant);
  }

  @Patch(':tenant')
  updateTenant(@Param('tenant') tenant: string, @Body() body: unknown) {
    return this.service.updateTenant(tenant, body);
  }

  @Post(':tenant/databases')
  @HttpCode(200)
  createDatabase(@Param('tenant') tenant: string, @Body() body: unknown) {
    return this.service.createDatabase(tenant, body);
  }

  @Get(':tenant/databases')
  listDatabases(
    @Param('tenant') tenant: string,
    @Query('limit') limit?: string,
    @Query('offset') offset?: string,
  ) {
    return this.service.listDatabases(
      tenant,
      optionalInt(limit, 'limit'),
      optionalInt(offset, 'offset'),
    );
  }

  @Get(':tenant/databases/:database')
  getDatabase(@Param('tenant') tenant: string, @Param('database') database: string) {
    return this.service.getDatabase(tenant, database);
  }

  @Delete(':tenant/databases/:database')
  deleteDatabase(@Param('tenant') tenant: string, @Param('database') database: string) {
    return this.service.deleteDatabase(tenant, database);
  }

  @Post(':tenant/databases/:database/collections')
  @HttpCode(200)
  createCollection(
    @Param('tenant') t: string,
    @Param('database') d: string,
    @Body() body: unknown,
  ) {
    return this.service.createCollection(t, d, body);
  }

  @Get(':tenant/databases/:database/collections')
  listCollections(
    @Param('tenant') t: string,
    @Param('database') d: string,
    @Query('limit') limit?: string,
    @Query('offset') offset?: string,
  ) {
    return this.service.listCollections(
      t,
      d,
      optionalInt(limit, 'limit'),
      optionalInt(offset, 'offset'),
    );
  }

  @Get(':tenant/databases/:database/collections_count')
  countCollections(@Param('tenant') t: string, @Param('database') d: string) {
    return this.service.countCollections(t, d);
  }

  @Get(':tenant/databases/:database/collections/by-id/:id')
  getCollectionById(
    @Param('tenant') t: string,
    @Param('database') d: string,
    @Param('id') id: string,
  ) {
    return this.service.getById(t, d, id);
  }

  @Get(':tenant/databases/:database/collections/:name')
  getCollection(
    @Param('tenant') t: string,
    @Param('database') d: string,
    @Param('name') name: string,
  ) {
    return this.service.getByName(t, d, name);
  }

  @Put(':tenant/databases/:database/collections/:id')
  updateCollection(
    @Param('tenant') t: string,
    @Param('database') d: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    return this.service.update(t, d, id, body);
  }

  @Delete(':tenant/databases/:database/collections/:name')
  deleteCollection(
    @Param('tenant') t: string,
    @Param('database') d: string,
    @Param('name') name: string,
  ) {
    return this.service.deleteByName(t, d, name);
  }
}

/** A query-string integer (limit, offset); absent → undefined; anything else → 400. */
function optionalInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative integer, got ${value}`);
  }
  return n;
}
